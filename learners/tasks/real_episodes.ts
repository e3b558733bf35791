/**
 * N-way K-shot episodes over a real classification data set (Fashion-MNIST, MNIST, Omniglot):
 * the data set is shared by every episode (uploaded once); an episode is a list of support and
 * query sample indices plus a label map that relabels its N classes to 0..N-1. Classes come from
 * one side of a class split, so meta-train and meta-test episodes never share a class.
 * @module
 */

import { rngInt } from "../../core/rng.ts";
import type { Dataset } from "../dataset.ts";
import { buildClassIndex, type ClassIndex } from "../data/class_index.ts";
import { withClassLists } from "./episode_classes.ts";
import type { EpisodeBatch, TaskFamily, TaskKind } from "./task_family.ts";

/** What `drawEpisodeIndices` needs: the candidate classes, the class index and the episode shape. */
export interface EpisodeDrawSpec {
  /** Candidate global classes (a split's list), length C >= ways, distinct. */
  classes: Uint32Array;
  /** Sample indices grouped by class. */
  index: ClassIndex;
  /** Classes per episode, N. */
  ways: number;
  /** Support samples per class, K. */
  shots: number;
  /** Query samples per class, Q. */
  queryPerClass: number;
}

/** The draws of one episode: chosen global classes (local label = position), support and query indices. */
export interface EpisodeDraw {
  /** Global class of each local label, length N. */
  chosen: Uint32Array<ArrayBuffer>;
  /** Support sample indices, class-major: entry k*K + s is shot s of local class k. */
  support: Uint32Array<ArrayBuffer>;
  /** Query sample indices, class-major: entry k*Q + q. */
  query: Uint32Array<ArrayBuffer>;
}

/**
 * Draws episode `episode` from `seed`; a pure function of (seed, episode, spec), so a WGSL kernel
 * can reproduce it with one invocation per episode. Counter scheme (Threefry key = seed, stream =
 * episode e, counters (c0, c1)):
 *
 * 1. Classes: for attempt a = 0, 1, 2, ...: r = rngInt(seed, e, C, a, 0), candidate classes[r];
 *    accepted when not already chosen, until N are chosen. The k-th accepted class gets local
 *    label k.
 * 2. Samples of local class k (global class c, n_c = offsets[c+1] - offsets[c]): for attempt
 *    a = 0, 1, 2, ...: r = rngInt(seed, e, n_c, a, 1 + k); accepted when r was not accepted before
 *    for this class, until K + Q are accepted. The first K accepted go to support[k*K + s], the
 *    next Q to query[k*Q + q]; the sample index is members[offsets[c] + r].
 *
 * rngInt is u32 modulo n, as in the WGSL twin. Support and query are therefore disjoint.
 */
export function drawEpisodeIndices(
  seed: number,
  episode: number,
  spec: EpisodeDrawSpec,
): EpisodeDraw {
  const out: EpisodeDraw = {
    chosen: new Uint32Array(spec.ways),
    support: new Uint32Array(spec.ways * spec.shots),
    query: new Uint32Array(spec.ways * spec.queryPerClass),
  };
  drawInto(
    seed >>> 0,
    episode >>> 0,
    spec,
    out,
    0,
    0,
    new Uint32Array(spec.shots + spec.queryPerClass),
  );
  return out;
}

function drawInto(
  seed: number,
  e: number,
  spec: EpisodeDrawSpec,
  out: EpisodeDraw,
  supportOffset: number,
  queryOffset: number,
  picked: Uint32Array,
): void {
  const { classes, index, ways: N, shots: K, queryPerClass: Q } = spec;
  const C = classes.length;
  const chosen = out.chosen;
  let n = 0;
  for (let a = 0; n < N; a++) {
    const c = classes[rngInt(seed, e, C, a, 0)]!;
    let dup = false;
    for (let j = 0; j < n; j++) if (chosen[j] === c) dup = true;
    if (!dup) chosen[n++] = c;
  }
  for (let k = 0; k < N; k++) {
    const c = chosen[k]!;
    const start = index.offsets[c]!;
    const nc = index.offsets[c + 1]! - start;
    let m = 0;
    for (let a = 0; m < K + Q; a++) {
      const r = rngInt(seed, e, nc, a, 1 + k);
      let dup = false;
      for (let j = 0; j < m; j++) if (picked[j] === r) dup = true;
      if (dup) continue;
      picked[m] = r;
      const sample = index.members[start + r]!;
      if (m < K) out.support[supportOffset + k * K + m] = sample;
      else out.query[queryOffset + k * Q + (m - K)] = sample;
      m++;
    }
  }
}

/** Options of `RealEpisodes`. */
export interface RealEpisodeOptions {
  /** Classes per episode, N (default 5). */
  ways?: number;
  /** Support samples per class, K (default 1). */
  shots?: number;
  /** Query samples per class (default 15). */
  queryPerClass?: number;
  /** Family name (default "real-{N}way-{K}shot"). */
  name?: string;
}

/**
 * A task family of N-way K-shot episodes over a shared real data set, restricted to `classes`
 * (one list of a `ClassSplit`). `sampleEpisodes(seed, E)` draws episode e with
 * `drawEpisodeIndices(seed, e, ...)` (see there for the counter scheme) and returns the shared
 * data set, the index arrays and a label map of width dataset.classes (chosen class -> local label,
 * `LABEL_UNUSED` elsewhere), held as each episode's class list and built on first read
 * (learners/tasks/episode_classes.ts `withClassLists`).
 */
export class RealEpisodes implements TaskFamily {
  /** Family name. */
  readonly name: string;
  /** Always "classification". */
  readonly kind: TaskKind = "classification";
  /** Input width of the data set. */
  readonly inputs: number;
  /** Output width (= ways). */
  readonly outputs: number;
  /** Classes per episode. */
  readonly ways: number;
  /** Support samples per class. */
  readonly shots: number;
  /** Query samples per class. */
  readonly queryPerClass: number;
  /** The shared data set. */
  readonly dataset: Dataset;
  /** Its class index (upload beside the data set for GPU-side drawing). */
  readonly classIndex: ClassIndex;
  /** Candidate classes, ascending. */
  readonly classes: Uint32Array<ArrayBuffer>;

  /** Checks that every class exists and holds at least shots + queryPerClass samples, and ways <= classes. */
  constructor(dataset: Dataset, classes: ArrayLike<number>, options: RealEpisodeOptions = {}) {
    const int = (v: number, f: string): number => {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(
          `Cannot create real episodes as ${f} must be an integer >= 1: current value is ${v}`,
        );
      }
      return v;
    };
    this.ways = int(options.ways ?? 5, "ways");
    this.outputs = this.ways;
    this.shots = int(options.shots ?? 1, "shots");
    this.queryPerClass = int(options.queryPerClass ?? 15, "queryPerClass");
    this.dataset = dataset;
    this.inputs = dataset.inputs;
    this.classIndex = buildClassIndex(dataset);
    const list = Uint32Array.from(classes).sort();
    for (let i = 0; i < list.length; i++) {
      const c = classes[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= dataset.classes) {
        throw new RangeError(
          `Cannot create real episodes as classes must be in [0, ${
            dataset.classes - 1
          }]: current value is ${c}`,
        );
      }
      if (i > 0 && list[i] === list[i - 1]) {
        throw new RangeError(
          `Cannot create real episodes as classes must be distinct: current value repeats ${
            list[i]
          }`,
        );
      }
    }
    if (this.ways > list.length) {
      throw new RangeError(
        `Cannot create real episodes as ways must be <= ${list.length} classes in the split: current value is ${this.ways}`,
      );
    }
    const need = this.shots + this.queryPerClass;
    for (const c of list) {
      const have = this.classIndex.offsets[c + 1]! - this.classIndex.offsets[c]!;
      if (have < need) {
        throw new RangeError(
          `Cannot create real episodes as class ${c} must hold >= shots+queryPerClass = ${need} samples: current value is ${have}`,
        );
      }
    }
    this.classes = list;
    this.name = options.name ?? `real-${this.ways}way-${this.shots}shot`;
  }

  /** What `drawEpisodeIndices` needs to draw this family's episodes. */
  get drawSpec(): EpisodeDrawSpec {
    return {
      classes: this.classes,
      index: this.classIndex,
      ways: this.ways,
      shots: this.shots,
      queryPerClass: this.queryPerClass,
    };
  }

  /** Draws `episodes` episodes from `seed`: episode e = `drawEpisodeIndices(seed, e, ...)`. */
  sampleEpisodes(seed: number, episodes: number): EpisodeBatch {
    if (!Number.isInteger(episodes) || episodes < 1) {
      throw new RangeError(
        `Cannot sample episodes as episodes must be an integer >= 1: current value is ${episodes}`,
      );
    }
    const N = this.ways;
    const K = this.shots;
    const Q = this.queryPerClass;
    const W = this.dataset.classes;
    const spec = this.drawSpec;
    const support = new Uint32Array(episodes * N * K);
    const query = new Uint32Array(episodes * N * Q);
    // Episode e's class k gets label k: its class list is the classes as drawn.
    const classes = new Uint32Array(episodes * N);
    const out: EpisodeDraw = { chosen: new Uint32Array(N), support, query };
    const picked = new Uint32Array(K + Q);
    const s = seed >>> 0;
    for (let e = 0; e < episodes; e++) {
      drawInto(s, e, spec, out, e * N * K, e * N * Q, picked);
      classes.set(out.chosen, e * N);
    }
    const fields = {
      dataset: this.dataset,
      episodes,
      supportSize: N * K,
      querySize: N * Q,
      support,
      query,
      labelMapWidth: W,
      ways: N,
    };
    return withClassLists(fields, classes);
  }
}
