/**
 * What a CPU's instruction set means for INT8 inference. onnxruntime's x86 INT8 kernels multiply
 * u8×s8 with VNNI (AVX-512 VNNI, AVX-VNNI) or AMX in one instruction; without them they widen to
 * 16 bits (AVX2/AVX-512BW `pmaddubsw`), which often makes INT8 no faster than fp32, or slower.
 * On Arm the dot-product extension (`asimddp`, shown as such) and i8mm play VNNI's part.
 */

/** The features that give INT8 a dot-product (or matrix) instruction, best first. */
export const INT8_DOT_PRODUCT_FEATURES = ['amx_int8', 'avx512_vnni', 'avx_vnni', 'i8mm', 'asimddp'] as const;
/** Vector widths that decide how many lanes each INT8 instruction covers. */
const VECTOR_FEATURES = ['avx512bw', 'avx512f', 'avx2', 'neon'] as const;

export interface Int8Support {
  /** The dot-product/matrix INT8 features present (empty: INT8 runs on widening multiplies). */
  dotProduct: string[];
  /** The widest vector features present. */
  vector: string[];
  /** One line for a report: the features found and what they mean for INT8 here. */
  summary: string;
}

export function int8Support(features: readonly string[]): Int8Support {
  const has = new Set(features);
  const dotProduct = INT8_DOT_PRODUCT_FEATURES.filter((f) => has.has(f));
  const vector = VECTOR_FEATURES.filter((f) => has.has(f));
  const found = [...dotProduct, ...vector].join(' ') || 'none of avx2, avx512, vnni, amx, neon';
  const summary =
    dotProduct.length > 0
      ? `CPU ISA for INT8: ${found} — ${dotProduct.includes('amx_int8') ? 'AMX tiles and ' : ''}INT8 dot-product instructions, so INT8 kernels can run well ahead of fp32 here`
      : `CPU ISA for INT8: ${found} — no VNNI, AMX or Arm dot-product instructions, so INT8 kernels widen to 16-bit multiplies here and INT8 may be no faster than fp32, or slower`;
  return { dotProduct: [...dotProduct], vector: [...vector], summary };
}
