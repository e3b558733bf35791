/**
 * Counter-based random numbers: Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random
 * numbers: as easy as 1, 2, 3", SC 2011). The WGSL twin in `shaders/_rng.wgsl` computes the same
 * integers and the same uniform floats bit for bit; normals agree within float tolerance.
 *
 * A draw is a pure function of (seed, stream, c0, c1): nothing reads a global RNG, and a GPU
 * invocation can draw the value it needs without any state.
 * @module
 */

const ROT = [13, 15, 26, 6, 17, 29, 16, 24] as const;
const PARITY = 0x1bd11bda;
/** 2^-24: uniform floats are multiples of it, exact in f32 and f64. */
const INV_2_24 = 1 / 16777216;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Threefry-2x32-20 block: key (k0, k1), counter (c0, c1) -> two u32. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks0 = k0 >>> 0;
  const ks1 = k1 >>> 0;
  const ks2 = (PARITY ^ ks0 ^ ks1) >>> 0;
  const ks = [ks0, ks1, ks2];
  let x0 = (c0 + ks0) >>> 0;
  let x1 = (c1 + ks1) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    x1 = rotl(x1, ROT[r % 8]!);
    x1 = (x1 ^ x0) >>> 0;
    if (r % 4 === 3) {
      const s = (r + 1) / 4;
      x0 = (x0 + ks[s % 3]!) >>> 0;
      x1 = (x1 + ks[(s + 1) % 3]! + s) >>> 0;
    }
  }
  return [x0, x1];
}

/** Uniform float in [0, 1) from a u32: the top 24 bits times 2^-24 (exact in f32). */
export function u32ToUniform(x: number): number {
  return (x >>> 8) * INV_2_24;
}

/** One u32 for (seed, stream, c0, c1). */
export function rngU32(seed: number, stream: number, c0: number, c1 = 0): number {
  return threefry2x32(seed, stream, c0, c1)[0];
}

/** Uniform float in [0, 1) for (seed, stream, c0, c1); equal bit for bit to `rng_uniform`. */
export function rngUniform(seed: number, stream: number, c0: number, c1 = 0): number {
  return u32ToUniform(threefry2x32(seed, stream, c0, c1)[0]);
}

/** Standard normal for (seed, stream, c0, c1) by Box-Muller on both words of one block. */
export function rngNormal(seed: number, stream: number, c0: number, c1 = 0): number {
  const [a, b] = threefry2x32(seed, stream, c0, c1);
  const u1 = ((a >>> 8) + 1) * INV_2_24; // (0, 1]
  const u2 = (b >>> 8) * INV_2_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Both standard normals of Box-Muller on the block (seed, stream, c0, c1): [cosine, sine] (the
 * first is rngNormal's), for a consumer that wants two normals per block.
 */
export function rngNormalPair(seed: number, stream: number, c0: number, c1 = 0): [number, number] {
  const [a, b] = threefry2x32(seed, stream, c0, c1);
  const r = Math.sqrt(-2 * Math.log(((a >>> 8) + 1) * INV_2_24));
  const t = 2 * Math.PI * ((b >>> 8) * INV_2_24);
  return [r * Math.cos(t), r * Math.sin(t)];
}

/** Integer in [0, n) for (seed, stream, c0, c1): u32 modulo n, as the WGSL twin does. */
export function rngInt(seed: number, stream: number, n: number, c0: number, c1 = 0): number {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
    throw new RangeError(`Cannot draw an integer as n must be in [1, 2^32): current value is ${n}`);
  }
  return threefry2x32(seed, stream, c0, c1)[0] % n;
}

/** Derives an independent 32-bit seed for a named purpose (`tag`) from a parent seed. */
export function deriveSeed(seed: number, tag: number | string): number {
  const t = typeof tag === "number" ? tag >>> 0 : hashString(tag);
  return threefry2x32(seed, 0x5eed5eed, t, 0x9e3779b9)[0];
}

/**
 * The seed of independent run `k` of an experiment's meta-training (config `metaSeeds` of evolve
 * and l2o): run 0 is the experiment's own seed, run k >= 1 a seed derived from it.
 */
export function metaRunSeed(seed: number, k: number): number {
  return k === 0 ? seed : deriveSeed(seed, `meta-run-${k}`) >>> 0;
}

/** FNV-1a hash of a string to a u32 (used to turn names into seed tags). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Serializable state of an `Rng`: enough to continue the exact sequence after a restart. */
export interface RngState {
  /** RNG seed (Threefry key word 0). */
  seed: number;
  /** RNG stream (Threefry key word 1). */
  stream: number;
  /** Next counter value. */
  counter: number;
}

/**
 * A sequential view of the counter-based generator for host-side code: each draw uses the next
 * counter. Its state is three integers, so checkpoints can save and restore it exactly.
 */
export class Rng {
  #seed: number;
  #stream: number;
  #counter: number;

  /** Creates a generator for (seed, stream) starting at `counter`. */
  constructor(seed: number, stream = 0, counter = 0) {
    this.#seed = seed >>> 0;
    this.#stream = stream >>> 0;
    this.#counter = counter;
  }

  /** Restores a generator from a saved state. */
  static fromState(state: RngState): Rng {
    return new Rng(state.seed, state.stream, state.counter);
  }

  /** The state to save; `Rng.fromState` continues the same sequence. */
  state(): RngState {
    return { seed: this.#seed, stream: this.#stream, counter: this.#counter };
  }

  #next(): [number, number] {
    const c = this.#counter++;
    return threefry2x32(this.#seed, this.#stream, c >>> 0, Math.floor(c / 4294967296) >>> 0);
  }

  /** Next u32. */
  u32(): number {
    return this.#next()[0];
  }

  /** Next uniform float in [0, 1). */
  uniform(): number {
    return u32ToUniform(this.#next()[0]);
  }

  /** Next uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Next integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Cannot draw an integer as n must be >= 1: current value is ${n}`);
    }
    return this.#next()[0] % n;
  }

  /** Next standard normal. */
  normal(): number {
    const [a, b] = this.#next();
    const u1 = ((a >>> 8) + 1) * INV_2_24;
    const u2 = (b >>> 8) * INV_2_24;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A random permutation of [0, n) (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}
