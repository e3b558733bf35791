/**
 * Synthetic N-way K-shot classification. Each episode draws N class prototypes in a latent space,
 * scatters points around them with Gaussian noise, and maps them to input space through one fixed
 * random nonlinear map (a 2-layer tanh network fixed by the family seed), plus input-space noise.
 * An optional family shift (offset, scale, rotation, label noise) turns "family A" into a
 * well-defined "shifted family B" built on the very same latent draws.
 * @module
 */

import { deriveSeed, rngInt, rngNormal, rngUniform } from "../../core/rng.ts";
import type { Dataset } from "../dataset.ts";
import { planeRotation, randomOrthogonal } from "./_linalg.ts";
import type { EpisodeBatch, TaskFamily, TaskKind } from "./task_family.ts";

/**
 * A shift of the input distribution applied after the fixed map, in this order:
 * `x' = scale * R(rotation) x + offset * d`, then label noise on support points.
 */
export interface ClassificationShift {
  /** Mean offset: every input moves by `offset * d`, d a fixed standard-normal vector (one per family). */
  offset: number;
  /** Multiplies every input coordinate (1 = none; must be > 0). */
  scale: number;
  /**
   * Rotation angle in radians: inputs rotate by this angle in each plane of a fixed random
   * orthonormal basis (planes = basis pairs (0,1), (2,3), ...); 0 = none, exactly orthogonal.
   */
  rotation: number;
  /** Probability in [0, 1] that a support point's label is replaced by a uniformly drawn other label (query labels stay clean). */
  labelNoise: number;
  /** Seed of the offset direction and rotation basis; defaults to the family seed. */
  seed?: number;
}

/** The identity shift: family A. */
export const NO_SHIFT: Readonly<ClassificationShift> = {
  offset: 0,
  scale: 1,
  rotation: 0,
  labelNoise: 0,
};

/** The knobs a curriculum moves: class count, within-class latent noise and prototype spread. */
export interface SyntheticDifficulty {
  /** Number of classes per episode. */
  ways: number;
  /** Within-class latent noise std. */
  noise: number;
  /** Prototype spread: std of the latent prototypes. */
  spread: number;
}

/**
 * Maps `difficulty` in [0, 1] to settings: noise = 0.2 + 0.8*d (0.2 -> 1.0), spread = 2.0 - 1.5*d
 * (2.0 -> 0.5), ways = round(minWays + d*(maxWays - minWays)) (defaults 5 and 5).
 */
export function syntheticDifficulty(
  difficulty: number,
  options: { minWays?: number; maxWays?: number } = {},
): SyntheticDifficulty {
  if (!(difficulty >= 0 && difficulty <= 1)) {
    throw new RangeError(
      `Cannot map difficulty as it must be in [0, 1]: current value is ${difficulty}`,
    );
  }
  const minWays = options.minWays ?? 5;
  const maxWays = options.maxWays ?? minWays;
  return {
    ways: Math.round(minWays + difficulty * (maxWays - minWays)),
    noise: 0.2 + 0.8 * difficulty,
    spread: 2.0 - 1.5 * difficulty,
  };
}

/** Options of `SyntheticClassification`; every field has a default. */
export interface SyntheticClassificationOptions {
  /** Input width (default 16). */
  inputs?: number;
  /** Classes per episode, N (default 5). */
  ways?: number;
  /** Support points per class, K (default 5). */
  shots?: number;
  /** Query points per class (default 15); query size is ways*queryPerClass. */
  queryPerClass?: number;
  /** Latent dimension of the prototypes (default 8). */
  latentDim?: number;
  /** Hidden width of the fixed random tanh map (default 32). */
  hidden?: number;
  /** Seed of the fixed map (default 0): families with the same seed share the map. */
  familySeed?: number;
  /** Difficulty in [0, 1] giving noise and spread through `syntheticDifficulty` (default 0.5). */
  difficulty?: number;
  /** Within-class latent noise std; overrides the difficulty's value. */
  noise?: number;
  /** Prototype spread; overrides the difficulty's value. */
  spread?: number;
  /** Input-space Gaussian noise std added after the map (default 0.05). */
  inputNoise?: number;
  /** Family shift; missing fields are those of `NO_SHIFT`. */
  shift?: Partial<ClassificationShift>;
  /** Family name (default "synthetic-{N}way-{K}shot", "-shifted" when a shift is set). */
  name?: string;
}

/**
 * N-way K-shot synthetic classification family. `sampleEpisodes(seed, E)` generates E episodes of
 * N*(K+Q) points each into one data set: episode e owns rows [e*P, (e+1)*P), P = N*(K+Q); support
 * points first (class-major: point i = k*K + s), then query (i = N*K + k*Q + q). Labels are local
 * (0..N-1), labelMapWidth 0.
 *
 * Counter scheme (key = seed, stream = e, counters (c0, c1)): prototype k coordinate j is
 * `spread * rngNormal(seed, e, k*latentDim + j, 0)`; latent noise of point i coordinate j is
 * `rngNormal(seed, e, i*latentDim + j, 1)`; input noise of point i coordinate m is
 * `rngNormal(seed, e, i*inputs + m, 2)`; label noise of support point i uses
 * `rngUniform(seed, e, i, 3)` (coin) and `rngInt(seed, e, N-1, i, 4)` (other label offset).
 * The shift never changes the draws, so family A and B with the same seed share latent points.
 * `latentPoints` rebuilds an episode's latent points; `latentBayesAccuracy`
 * (synthetic_bayes.ts) scores the latent Bayes rule on them.
 */
export class SyntheticClassification implements TaskFamily {
  /** Family name. */
  readonly name: string;
  /** Always "classification". */
  readonly kind: TaskKind = "classification";
  /** Input width. */
  readonly inputs: number;
  /** Output width (= ways). */
  readonly outputs: number;
  /** Classes per episode. */
  readonly ways: number;
  /** Support points per class. */
  readonly shots: number;
  /** Query points per class. */
  readonly queryPerClass: number;
  /** Within-class latent noise std in use. */
  readonly noise: number;
  /** Prototype spread in use. */
  readonly spread: number;
  /** Input-space noise std in use. */
  readonly inputNoise: number;
  /** Shift in use (all fields filled). */
  readonly shift: Readonly<ClassificationShift>;
  /** Latent dimension of the prototypes. */
  readonly latentDim: number;
  #hidden: number;
  #w1: Float64Array; // (hidden, latentDim)
  #b1: Float64Array; // (hidden)
  #w2: Float64Array; // (inputs, hidden)
  #b2: Float64Array; // (inputs)
  #rotation: Float64Array | null; // (inputs, inputs) or null for none
  #offset: Float64Array; // (inputs)
  #scratch: { proto: Float64Array; hid: Float64Array; out: Float64Array; rot: Float64Array };

  /** Builds the family and its fixed random map from `options.familySeed`. */
  constructor(options: SyntheticClassificationOptions = {}) {
    const int = (v: number, f: string, min: number): number => {
      if (!Number.isInteger(v) || v < min) {
        throw new RangeError(
          `Cannot create synthetic classification as ${f} must be an integer >= ${min}: current value is ${v}`,
        );
      }
      return v;
    };
    const real = (v: number, f: string, lo: number, hi = Infinity): number => {
      if (!(v >= lo && v <= hi && Number.isFinite(v))) {
        throw new RangeError(
          `Cannot create synthetic classification as ${f} must be in [${lo}, ${hi}]: current value is ${v}`,
        );
      }
      return v;
    };
    this.inputs = int(options.inputs ?? 16, "inputs", 1);
    this.ways = int(options.ways ?? 5, "ways", 1);
    this.outputs = this.ways;
    this.shots = int(options.shots ?? 5, "shots", 1);
    this.queryPerClass = int(options.queryPerClass ?? 15, "queryPerClass", 1);
    this.latentDim = int(options.latentDim ?? 8, "latentDim", 1);
    this.#hidden = int(options.hidden ?? 32, "hidden", 1);
    const d = syntheticDifficulty(real(options.difficulty ?? 0.5, "difficulty", 0, 1));
    this.noise = real(options.noise ?? d.noise, "noise", 0);
    this.spread = real(options.spread ?? d.spread, "spread", 0);
    this.inputNoise = real(options.inputNoise ?? 0.05, "inputNoise", 0);
    const familySeed = (options.familySeed ?? 0) >>> 0;
    const shift: ClassificationShift = { ...NO_SHIFT, ...options.shift };
    real(shift.offset, "shift.offset", -Infinity);
    real(shift.rotation, "shift.rotation", -Infinity);
    real(shift.labelNoise, "shift.labelNoise", 0, 1);
    if (!(shift.scale > 0 && Number.isFinite(shift.scale))) {
      throw new RangeError(
        `Cannot create synthetic classification as shift.scale must be > 0: current value is ${shift.scale}`,
      );
    }
    this.shift = Object.freeze(shift);
    const shifted = shift.offset !== 0 || shift.scale !== 1 || shift.rotation !== 0 ||
      shift.labelNoise !== 0;
    this.name = options.name ??
      `synthetic-${this.ways}way-${this.shots}shot${shifted ? "-shifted" : ""}`;

    // Fixed map: h = tanh(W1 z + b1), x = W2 h + b2; W1 ~ N(0, 1/latentDim), W2 ~ N(0, 1/hidden).
    const [h, l, n] = [this.#hidden, this.latentDim, this.inputs];
    const map = syntheticMap(familySeed, h, l, n);
    [this.#w1, this.#b1, this.#w2, this.#b2] = [map.w1, map.b1, map.w2, map.b2];
    const shiftSeed = deriveSeed((shift.seed ?? familySeed) >>> 0, "synthetic-shift");
    this.#offset = gaussian(shiftSeed, 0, n, shift.offset);
    this.#rotation = shift.rotation === 0
      ? null
      : planeRotation(randomOrthogonal(shiftSeed, 1, n), n, shift.rotation);
    this.#scratch = {
      proto: new Float64Array(this.ways * l),
      hid: new Float64Array(h),
      out: new Float64Array(n),
      rot: new Float64Array(n),
    };
  }

  /**
   * The latent points z = prototype + noise of episode `episode` of `sampleEpisodes(seed, ...)`, in
   * its sample order (support class-major, then query): (N*(K+Q), latentDim) row-major, written
   * into `out` when given. The one place that knows the counter scheme of the latent draws.
   */
  latentPoints(seed: number, episode: number, out?: Float64Array): Float64Array {
    const [N, K, Q, L] = [this.ways, this.shots, this.queryPerClass, this.latentDim];
    const per = N * (K + Q);
    if (!Number.isInteger(episode) || episode < 0) {
      throw new RangeError(
        `Cannot rebuild latent points as episode must be an integer >= 0: current value is ${episode}`,
      );
    }
    if (out !== undefined && out.length !== per * L) {
      throw new RangeError(
        `Cannot rebuild latent points as out must hold ${
          per * L
        } values: current value is ${out.length}`,
      );
    }
    const [s, e] = [seed >>> 0, episode];
    const z = out ?? new Float64Array(per * L);
    const proto = this.#scratch.proto;
    for (let c = 0; c < N * L; c++) proto[c] = this.spread * rngNormal(s, e, c, 0);
    for (let i = 0; i < per; i++) {
      const k = i < N * K ? Math.floor(i / K) : Math.floor((i - N * K) / Q);
      for (let j = 0; j < L; j++) {
        z[i * L + j] = proto[k * L + j]! + this.noise * rngNormal(s, e, i * L + j, 1);
      }
    }
    return z;
  }

  /**
   * Writes point i of episode e into `dst` (length inputs): its latent point `z` through the fixed
   * map (tanh hidden layer, input noise), then the shift's rotation, scale and offset.
   */
  #writePoint(s: number, e: number, i: number, z: Float64Array, dst: Float32Array): void {
    const [L, H, n] = [this.latentDim, this.#hidden, this.inputs];
    const { hid, out, rot } = this.#scratch;
    for (let a = 0; a < H; a++) {
      let acc = this.#b1[a]!;
      for (let j = 0; j < L; j++) acc += this.#w1[a * L + j]! * z[j]!;
      hid[a] = Math.tanh(acc);
    }
    for (let m = 0; m < n; m++) {
      let acc = this.#b2[m]!;
      for (let a = 0; a < H; a++) acc += this.#w2[m * H + a]! * hid[a]!;
      out[m] = acc + this.inputNoise * rngNormal(s, e, i * n + m, 2);
    }
    let v: Float64Array = out;
    if (this.#rotation !== null) {
      const r = this.#rotation;
      for (let m = 0; m < n; m++) {
        let acc = 0;
        for (let q = 0; q < n; q++) acc += r[m * n + q]! * out[q]!;
        rot[m] = acc;
      }
      v = rot;
    }
    for (let m = 0; m < n; m++) dst[m] = this.shift.scale * v[m]! + this.#offset[m]!;
  }

  /** Generates `episodes` episodes from `seed` (see the class doc for the counter scheme). */
  sampleEpisodes(seed: number, episodes: number): EpisodeBatch {
    if (!Number.isInteger(episodes) || episodes < 1) {
      throw new RangeError(
        `Cannot sample episodes as episodes must be an integer >= 1: current value is ${episodes}`,
      );
    }
    const s = seed >>> 0;
    const [N, K, Q, L, n] = [
      this.ways,
      this.shots,
      this.queryPerClass,
      this.latentDim,
      this.inputs,
    ];
    const per = N * (K + Q);
    const x = new Float32Array(episodes * per * n);
    const y = new Float32Array(episodes * per);
    const support = new Uint32Array(episodes * N * K);
    const query = new Uint32Array(episodes * N * Q);
    const z = new Float64Array(per * L);
    for (let e = 0; e < episodes; e++) {
      this.latentPoints(s, e, z);
      for (let i = 0; i < per; i++) {
        const isSupport = i < N * K;
        const k = isSupport ? Math.floor(i / K) : Math.floor((i - N * K) / Q);
        this.#writePoint(s, e, i, z.subarray(i * L, (i + 1) * L), x.subarray((e * per + i) * n));
        let label = k;
        if (isSupport && N > 1 && this.shift.labelNoise > 0) {
          if (rngUniform(s, e, i, 3) < this.shift.labelNoise) {
            label = (k + 1 + rngInt(s, e, N - 1, i, 4)) % N;
          }
        }
        y[e * per + i] = label;
      }
      for (let i = 0; i < N * K; i++) support[e * N * K + i] = e * per + i;
      for (let i = 0; i < N * Q; i++) query[e * N * Q + i] = e * per + N * K + i;
    }
    const dataset: Dataset = {
      count: episodes * per,
      inputs: n,
      targetWidth: 1,
      classes: N,
      x,
      y,
    };
    return {
      dataset,
      episodes,
      supportSize: N * K,
      querySize: N * Q,
      support,
      query,
      labelMapWidth: 0,
      ways: N,
    };
  }
}

/** The fixed random map of a synthetic classification family (row-major). */
export interface SyntheticMap {
  /** (hidden, latent) first-layer weights. */
  w1: Float64Array;
  /** (hidden) first-layer biases. */
  b1: Float64Array;
  /** (inputs, hidden) second-layer weights. */
  w2: Float64Array;
  /** (inputs) second-layer biases. */
  b2: Float64Array;
}

/**
 * The fixed map of family seed `familySeed`: W1 ~ N(0, 1/latent), b1 ~ N(0, 0.01),
 * W2 ~ N(0, 1/hidden), b2 ~ N(0, 0.01).
 */
export function syntheticMap(
  familySeed: number,
  hidden: number,
  latent: number,
  inputs: number,
): SyntheticMap {
  const seed = deriveSeed(familySeed, "synthetic-map");
  return {
    w1: gaussian(seed, 0, hidden * latent, 1 / Math.sqrt(latent)),
    b1: gaussian(seed, 1, hidden, 0.1),
    w2: gaussian(seed, 2, inputs * hidden, 1 / Math.sqrt(hidden)),
    b2: gaussian(seed, 3, inputs, 0.1),
  };
}

function gaussian(seed: number, stream: number, length: number, std: number): Float64Array {
  const a = new Float64Array(length);
  for (let i = 0; i < length; i++) a[i] = std * rngNormal(seed, stream, i, 0);
  return a;
}
