import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsFromNumber,
  float16BitsFromNumber,
  float16ToFloat32,
  float32ToFloat16,
  numberFromBfloat16Bits,
  numberFromFloat16Bits,
} from '../../src/onnx/float16.js';

describe('float16', () => {
  it('encodes known values', () => {
    expect(float16BitsFromNumber(1)).toBe(0x3c00);
    expect(float16BitsFromNumber(-2)).toBe(0xc000);
    expect(float16BitsFromNumber(65504)).toBe(0x7bff);
    expect(float16BitsFromNumber(65520)).toBe(0x7c00); // rounds up to +Infinity
    expect(float16BitsFromNumber(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16BitsFromNumber(2 ** -25)).toBe(0x0000); // ties to even → zero
    expect(float16BitsFromNumber(3 * 2 ** -25)).toBe(0x0002);
    expect(float16BitsFromNumber(-0)).toBe(0x8000);
    expect(float16BitsFromNumber(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(Number.isNaN(numberFromFloat16Bits(float16BitsFromNumber(Number.NaN)))).toBe(true);
    // 1 + 2^-11 is halfway between 1 and the next half; ties go to the even mantissa (1).
    expect(float16BitsFromNumber(1 + 2 ** -11)).toBe(0x3c00);
    expect(float16BitsFromNumber(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite half exactly', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const values = float16ToFloat32(bits);
    const back = float32ToFloat16(values);
    const mismatches = bits.filter((b, i) => !Number.isNaN(values[i]) && back[i] !== b);
    expect(mismatches.length).toBe(0);
  });

  it('converts bfloat16', () => {
    expect(bfloat16BitsFromNumber(1)).toBe(0x3f80);
    expect(numberFromBfloat16Bits(0x3f80)).toBe(1);
    expect(numberFromBfloat16Bits(bfloat16BitsFromNumber(3.140625))).toBe(3.140625);
  });
});
