/**
 * Seeded, deterministic random numbers for generated weights. Each tensor draws from its own
 * stream, keyed by (seed, tensor name), so a weight's values do not depend on build order.
 */

/** 32-bit FNV-1a, used to turn a stream key into a seed. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A xorshift32 generator: statistically plain but fast, which matters because weight tensors reach
 * 10^8 elements (vgg16) and export must stay within seconds. Period 2^32 − 1.
 */
export class Rng {
  private state: number;

  constructor(seed: number, stream = '') {
    // xorshift must not start from zero.
    this.state = hashString(stream, hashString(String(seed))) || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return (x >>> 0) / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fills `out` with uniform values in [low, high); the generator is inlined for speed. */
  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    const span = (high - low) / 4294967296;
    const middle = (low + high) / 2;
    let x = this.state;
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      // x is a signed 32-bit integer here, so it is centred on the middle of the range.
      out[i] = middle + span * x;
    }
    this.state = x;
    return out;
  }
}
