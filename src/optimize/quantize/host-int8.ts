/**
 * Whether this machine's onnxruntime int8 kernels can saturate with full-range int8 weights.
 * On x86 without VNNI, onnxruntime's u8×s8 kernels (vpmaddubsw) add pairs of uint8×int8 products
 * in 16 bits: 2 × 255 × 127 overflows, so results clip. With VNNI (or AMX) products accumulate in
 * 32 bits; Arm's dot-product instructions do too.
 */
import { readFileSync } from 'node:fs';
import { parseCpuInfo } from '../../host/host.js';

/** True on x86 without VNNI/AMX; false elsewhere; undefined when the CPU cannot be read. */
export function int8PairsSaturateHere(): boolean | undefined {
  if (process.arch !== 'x64' && process.arch !== 'ia32') return false;
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const features = parseCpuInfo(text).features;
  return !features.some((f) => f === 'avx512_vnni' || f === 'avx_vnni' || f === 'amx_int8');
}
