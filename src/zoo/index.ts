/** The model zoo: architectures, options, generation, cache and model spec resolution. */
export * from './blocks.js';
export * from './build.js';
export * from './cache.js';
export * from './options.js';
export * from './registry.js';
export * from './resolve.js';
export * from './summary.js';
export * from './types.js';
