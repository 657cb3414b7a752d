/** Numeric precision an out-of-process engine is asked to build or run in (nothing to load). */
export const EXTERNAL_PRECISIONS = ['fp32', 'fp16', 'int8', 'best'] as const;
export type ExternalPrecision = (typeof EXTERNAL_PRECISIONS)[number];
