/**
 * Sinusoid regression as in MAML (Finn et al., "Model-Agnostic Meta-Learning for Fast Adaptation
 * of Deep Networks", ICML 2017): each task is y = A sin(x - phi) with amplitude A in [0.1, 5],
 * phase phi in [0, pi] and inputs x uniform in [-5, 5]; K support points and a query set.
 * @module
 */

import { rngUniform } from "../../core/rng.ts";
import type { Dataset } from "../dataset.ts";
import type { EpisodeBatch, TaskFamily, TaskKind } from "./task_family.ts";

/** Options of `Sinusoid`; every field has a default (MAML's ranges). */
export interface SinusoidOptions {
  /** Support points per task, K (default 10). */
  shots?: number;
  /** Query points per task (default 10). */
  querySize?: number;
  /** Amplitude range (default [0.1, 5]). */
  amplitude?: readonly [number, number];
  /** Phase range in radians (default [0, pi]). */
  phase?: readonly [number, number];
  /** Input range (default [-5, 5]). */
  xRange?: readonly [number, number];
}

/** An episode batch of sinusoid tasks plus each task's amplitude and phase. */
export interface SinusoidBatch extends EpisodeBatch {
  /** Amplitude of each episode, shape (episodes). */
  amplitude: Float32Array<ArrayBuffer>;
  /** Phase of each episode, shape (episodes). */
  phase: Float32Array<ArrayBuffer>;
}

/**
 * Sinusoid regression family (inputs 1, outputs 1). Episode e owns rows [e*(K+Q), (e+1)*(K+Q)):
 * K support points then Q query points. Amplitude, phase and x are rounded to f32 before
 * y = A sin(x - phi) is computed (in f64, then stored as f32).
 *
 * Counter scheme (key = seed, stream = e): amplitude = lo + (hi-lo)*rngUniform(seed, e, 0, 0),
 * phase = lo + (hi-lo)*rngUniform(seed, e, 1, 0), point i's x = lo + (hi-lo)*rngUniform(seed, e, i, 1).
 */
export class Sinusoid implements TaskFamily {
  /** Family name. */
  readonly name = "sinusoid";
  /** Always "regression". */
  readonly kind: TaskKind = "regression";
  /** Input width 1. */
  readonly inputs = 1;
  /** Output width 1. */
  readonly outputs = 1;
  /** Support points per task. */
  readonly shots: number;
  /** Query points per task. */
  readonly querySize: number;
  /** Amplitude range. */
  readonly amplitude: readonly [number, number];
  /** Phase range. */
  readonly phase: readonly [number, number];
  /** Input range. */
  readonly xRange: readonly [number, number];

  /** Builds the family; ranges must be finite with lo <= hi. */
  constructor(options: SinusoidOptions = {}) {
    this.shots = count(options.shots ?? 10, "shots");
    this.querySize = count(options.querySize ?? 10, "querySize");
    this.amplitude = range(options.amplitude ?? [0.1, 5], "amplitude");
    this.phase = range(options.phase ?? [0, Math.PI], "phase");
    this.xRange = range(options.xRange ?? [-5, 5], "xRange");
  }

  /** Samples `episodes` tasks from `seed` (see the class doc for the counter scheme). */
  sampleEpisodes(seed: number, episodes: number): SinusoidBatch {
    if (!Number.isInteger(episodes) || episodes < 1) {
      throw new RangeError(
        `Cannot sample episodes as episodes must be an integer >= 1: current value is ${episodes}`,
      );
    }
    const s = seed >>> 0;
    const K = this.shots;
    const Q = this.querySize;
    const per = K + Q;
    const x = new Float32Array(episodes * per);
    const y = new Float32Array(episodes * per);
    const amplitude = new Float32Array(episodes);
    const phase = new Float32Array(episodes);
    const support = new Uint32Array(episodes * K);
    const query = new Uint32Array(episodes * Q);
    const [a0, a1] = this.amplitude;
    const [p0, p1] = this.phase;
    const [x0, x1] = this.xRange;
    for (let e = 0; e < episodes; e++) {
      const a = Math.fround(a0 + (a1 - a0) * rngUniform(s, e, 0, 0));
      const p = Math.fround(p0 + (p1 - p0) * rngUniform(s, e, 1, 0));
      amplitude[e] = a;
      phase[e] = p;
      for (let i = 0; i < per; i++) {
        const xi = Math.fround(x0 + (x1 - x0) * rngUniform(s, e, i, 1));
        x[e * per + i] = xi;
        y[e * per + i] = a * Math.sin(xi - p);
      }
      for (let i = 0; i < K; i++) support[e * K + i] = e * per + i;
      for (let i = 0; i < Q; i++) query[e * Q + i] = e * per + K + i;
    }
    const dataset: Dataset = { count: episodes * per, inputs: 1, targetWidth: 1, classes: 0, x, y };
    return {
      dataset,
      episodes,
      supportSize: K,
      querySize: Q,
      support,
      query,
      labelMapWidth: 0,
      ways: 1,
      amplitude,
      phase,
    };
  }
}

function count(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create sinusoid family as ${field} must be an integer >= 1: current value is ${v}`,
    );
  }
  return v;
}

function range(r: readonly [number, number], field: string): readonly [number, number] {
  if (!(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] <= r[1])) {
    throw new RangeError(
      `Cannot create sinusoid family as ${field} must be a finite [lo, hi] with lo <= hi: current value is [${r}]`,
    );
  }
  return [r[0], r[1]];
}
