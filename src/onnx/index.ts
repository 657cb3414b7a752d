/** The ONNX layer: protobuf codec, graph IR, builder, shape inference and analysis. */
export * from './analysis.js';
export * from './builder.js';
export * from './compute-cost.js';
export * from './dtype.js';
export * from './float16.js';
export * from './ir.js';
export * from './ir-proto.js';
export * from './model-io.js';
export * from './parameters.js';
export * from './proto.js';
export * from './random.js';
export * from './shape-inference.js';
export * from './shape-rules.js';
export * from './validate.js';
export * from './weight-init.js';
