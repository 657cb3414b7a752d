/**
 * Reference results computed from the legacy (opset < 7) operator definitions, in plain loops:
 * what the upgraded graphs must reproduce. Row-major tensors of numbers.
 */
import { expect } from 'vitest';
import type { HostTensor } from '../../src/onnx/tensor.js';

export interface Ref {
  dims: number[];
  data: number[];
}

export function ref(dims: number[], data: ArrayLike<number>): Ref {
  return { dims: [...dims], data: Array.from(data) };
}

export function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function strides(dims: readonly number[]): number[] {
  const s = new Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function unravel(index: number, dims: readonly number[]): number[] {
  const out = new Array(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    out[i] = index % dims[i];
    index = Math.floor(index / dims[i]);
  }
  return out;
}

/**
 * Legacy broadcast (Add-1/6 and friends with broadcast=1): B's shape matches A's dims from `axis`
 * on (suffix-aligned without axis), or B has one element. The result has A's shape.
 */
export function legacyBinary(
  a: Ref,
  b: Ref,
  axis: number | undefined,
  f: (x: number, y: number) => number,
): Ref {
  const bSize = size(b.dims);
  const start = axis ?? a.dims.length - b.dims.length;
  const bStrides = strides(b.dims);
  const data = a.data.map((x, i) => {
    if (bSize === 1) return f(x, b.data[0]);
    const idx = unravel(i, a.dims);
    let j = 0;
    for (let k = 0; k < b.dims.length; k++) j += idx[start + k] * bStrides[k];
    return f(x, b.data[j]);
  });
  return { dims: [...a.dims], data };
}

export function map(x: Ref, f: (v: number, i: number) => number): Ref {
  return { dims: [...x.dims], data: x.data.map(f) };
}

/** Per-channel (axis 1) op on NC… tensors: f(value, channel). */
export function perChannel(x: Ref, f: (v: number, c: number) => number): Ref {
  const inner = size(x.dims.slice(2));
  const channels = x.dims[1];
  return map(x, (v, i) => f(v, Math.floor(i / inner) % channels));
}

/** Conv2d NCHW, no groups, with pads [top, left, bottom, right]. */
export function conv2d(x: Ref, w: Ref, stride = 1, pads = [0, 0, 0, 0]): Ref {
  const [n, c, h, wd] = x.dims;
  const [m, , kh, kw] = w.dims;
  const oh = Math.floor((h + pads[0] + pads[2] - kh) / stride) + 1;
  const ow = Math.floor((wd + pads[1] + pads[3] - kw) / stride) + 1;
  const data: number[] = [];
  for (let b = 0; b < n; b++)
    for (let o = 0; o < m; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let s = 0;
          for (let ci = 0; ci < c; ci++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * stride + i - pads[0];
                const zz = z * stride + j - pads[1];
                if (yy < 0 || zz < 0 || yy >= h || zz >= wd) continue;
                s += x.data[((b * c + ci) * h + yy) * wd + zz] * w.data[((o * c + ci) * kh + i) * kw + j];
              }
          data.push(s);
        }
  return { dims: [n, m, oh, ow], data };
}

/** 2-D pooling NCHW with pads [top, left, bottom, right]; average excludes padding (legacy AveragePool). */
export function pool2d(x: Ref, kind: 'max' | 'avg', k: number, stride: number, pads = [0, 0, 0, 0]): Ref {
  const [n, c, h, w] = x.dims;
  const oh = Math.floor((h + pads[0] + pads[2] - k) / stride) + 1;
  const ow = Math.floor((w + pads[1] + pads[3] - k) / stride) + 1;
  const data: number[] = [];
  for (let b = 0; b < n * c; b++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++) {
        let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
        let count = 0;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            const yy = y * stride + i - pads[0];
            const zz = z * stride + j - pads[1];
            if (yy < 0 || zz < 0 || yy >= h || zz >= w) continue;
            const v = x.data[(b * h + yy) * w + zz];
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            count++;
          }
        data.push(kind === 'max' ? acc : acc / count);
      }
  return { dims: [n, c, oh, ow], data };
}

/** Gemm: alpha·A·B' + beta·C, C broadcast over rows (legacy broadcast=1 with C of shape (N)). */
export function gemm(a: Ref, b: Ref, c: Ref, transB: boolean, alpha = 1, beta = 1): Ref {
  const [m, k] = a.dims;
  const n = transB ? b.dims[0] : b.dims[1];
  const data: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a.data[i * k + t] * (transB ? b.data[j * k + t] : b.data[t * n + j]);
      const cv = size(c.dims) === 1 ? c.data[0] : c.dims.length === 1 ? c.data[j] : c.data[i * n + j];
      data.push(alpha * s + beta * cv);
    }
  return { dims: [m, n], data };
}

/** Softmax-1: the input coerced to 2-D at `axis`, softmax along the second dimension. */
export function softmax2d(x: Ref, axis: number): Ref {
  const rows = size(x.dims.slice(0, axis));
  const cols = size(x.dims.slice(axis));
  const data = new Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const row = x.data.slice(r * cols, (r + 1) * cols);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    for (let j = 0; j < cols; j++) data[r * cols + j] = e[j] / s;
  }
  return { dims: [...x.dims], data };
}

/** numpy.pad with pads [x1_begin, x2_begin, …, x1_end, …]. */
export function pad(x: Ref, pads: number[], mode: 'constant' | 'reflect' | 'edge', value = 0): Ref {
  const r = x.dims.length;
  const dims = x.dims.map((d, i) => d + pads[i] + pads[i + r]);
  const xs = strides(x.dims);
  const data: number[] = [];
  for (let i = 0; i < size(dims); i++) {
    const idx = unravel(i, dims);
    let offset = 0;
    let inside = true;
    for (let k = 0; k < r; k++) {
      let j = idx[k] - pads[k];
      const d = x.dims[k];
      if (j < 0 || j >= d) {
        if (mode === 'constant') inside = false;
        else if (mode === 'edge') j = Math.min(Math.max(j, 0), d - 1);
        else j = j < 0 ? -j : 2 * (d - 1) - j;
      }
      offset += j * xs[k];
    }
    data.push(inside ? x.data[offset] : value);
  }
  return { dims, data };
}

/** Nearest upsampling by integer factors per axis (the legacy Upsample's nearest mode). */
export function upsampleNearest(x: Ref, scales: number[]): Ref {
  const dims = x.dims.map((d, i) => Math.floor(d * scales[i]));
  const xs = strides(x.dims);
  const data: number[] = [];
  for (let i = 0; i < size(dims); i++) {
    const idx = unravel(i, dims);
    let offset = 0;
    for (let k = 0; k < dims.length; k++) offset += Math.floor(idx[k] / scales[k]) * xs[k];
    data.push(x.data[offset]);
  }
  return { dims, data };
}

/** numpy-style slicing along axes with start/end clamped (legacy Slice). */
export function slice(x: Ref, starts: number[], ends: number[], axes: number[]): Ref {
  const lo = x.dims.map(() => 0);
  const hi = [...x.dims];
  axes.forEach((a, i) => {
    const d = x.dims[a];
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    lo[a] = clamp(starts[i]);
    hi[a] = clamp(ends[i]);
  });
  const dims = x.dims.map((_, k) => Math.max(0, hi[k] - lo[k]));
  const xs = strides(x.dims);
  const data: number[] = [];
  for (let i = 0; i < size(dims); i++) {
    const idx = unravel(i, dims);
    data.push(x.data[idx.reduce((s, v, k) => s + (v + lo[k]) * xs[k], 0)]);
  }
  return { dims, data };
}

/** Element-wise comparison, rtol 1e-4 (atol 1e-5 for values near zero). */
export function expectClose(actual: HostTensor, expected: Ref, rtol = 1e-4, atol = 1e-5): void {
  expect([...actual.dims]).toEqual(expected.dims);
  const got = Array.from(actual.data as ArrayLike<number | bigint>, Number);
  expect(got.length).toBe(expected.data.length);
  const bad: string[] = [];
  got.forEach((v, i) => {
    const want = expected.data[i];
    if (!(Math.abs(v - want) <= atol + rtol * Math.abs(want)) && bad.length < 5)
      bad.push(`[${i}] ${v} ≠ ${want}`);
  });
  expect(bad).toEqual([]);
}
