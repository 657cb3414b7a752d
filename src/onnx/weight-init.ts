/**
 * Weight initialization for generated models. Kaiming-uniform keeps the activation variance roughly
 * constant through conv/linear + ReLU stacks; BatchNorm gets non-trivial running statistics close to
 * (but not exactly) identity so that eval-mode BN — which does not renormalize — keeps activations
 * in a sane range while still being a real computation that fusion must get right.
 */
import type { Rng } from './random.js';

/** Uniform(±gain·√(3/fanIn)): variance gain²/fanIn, i.e. He initialization for gain √2. */
export function kaimingUniform(rng: Rng, count: number, fanIn: number, gain = Math.SQRT2): Float32Array {
  const bound = gain * Math.sqrt(3 / Math.max(1, fanIn));
  return rng.fillUniform(new Float32Array(count), -bound, bound);
}

/** PyTorch's default bias init for conv/linear: Uniform(±1/√fanIn). */
export function biasUniform(rng: Rng, count: number, fanIn: number): Float32Array {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  return rng.fillUniform(new Float32Array(count), -bound, bound);
}

export interface BatchNormStatistics {
  scale: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/**
 * γ ≈ U(0.75, 1.25)·gammaScale, β ≈ U(-0.1, 0.1), running mean ≈ U(-0.1, 0.1), running variance ≈
 * U(0.6, 1.4). `gammaScale` < 1 on the last BN of a residual branch keeps the sum from doubling in
 * variance at every block (the same idea as zero-init residuals, without making the branch vanish).
 */
export function batchNormStatistics(rng: Rng, channels: number, gammaScale = 1): BatchNormStatistics {
  return {
    scale: rng.fillUniform(new Float32Array(channels), 0.75 * gammaScale, 1.25 * gammaScale),
    bias: rng.fillUniform(new Float32Array(channels), -0.1, 0.1),
    mean: rng.fillUniform(new Float32Array(channels), -0.1, 0.1),
    variance: rng.fillUniform(new Float32Array(channels), 0.6, 1.4),
  };
}
