/** The engine names flags and specs may give (ENGINE or ENGINE/VARIANT), with nothing to load. */
import { ORT_EXECUTION_PROVIDERS } from './ort-options.js';

/** Engines that measure a model: `ort` and `ort/<ep>`, `torch` and `torch/<device>`, `trtexec`. */
export const MEASURING_ENGINE_NAMES: readonly string[] = [
  'ort',
  ...ORT_EXECUTION_PROVIDERS.map((ep) => `ort/${ep}`),
  'torch',
  'torch/cpu',
  'torch/cuda',
  'trtexec',
];

/** Every engine name, the null engine (a call that does nothing: the harness's own cost) included. */
export const ENGINE_NAMES: readonly string[] = [...MEASURING_ENGINE_NAMES, 'null'];
