/**
 * Meta-training episodes with more classes and more queries than the episodes a learner is tested
 * on (Snell et al. 2017 train Prototypical Networks 60-way with 5 queries per class for 5-way
 * tests), laid out so that the test-shaped episode comes first. `drawEpisodeIndices` draws classes
 * and each class's samples as prefix-stable sequences, so an episode of `ways` classes and
 * `queries` queries per class contains the `coreWays`-way episode with `coreQueries` queries per
 * class of the same seed and id: its support is the first coreWays x shots support entries (as
 * drawn), and its queries are moved to the front of the query list, in that episode's class-major
 * order, followed by the other queries: the first coreWays x shots support and query entries (what
 * the gradient-based meta loops' batch slots read, learners/meta_train/meta_gather.ts) are the core
 * episode. Its label maps give the extra classes labels coreWays..ways-1, which a population with
 * coreWays outputs rejects, so the `meta` experiment gives these episodes to Prototypical Networks
 * alone (a pool of their own) and the core episodes to every other method.
 * @module
 */
import type { Dataset } from "../dataset.ts";
import { RealEpisodes } from "./real_episodes.ts";
import { episodeClasses, withClassLists } from "./episode_classes.ts";
import type { EpisodeBatch, TaskFamily, TaskKind } from "./task_family.ts";

/** Shape of the extended and of the core episodes. */
export interface ExtendedEpisodeOptions {
  /** Classes per extended episode (>= coreWays). */
  ways: number;
  /** Support samples per class (both episodes). */
  shots: number;
  /** Query samples per class of the extended episode (>= coreQueries). */
  queries: number;
  /** Classes of the core episode. */
  coreWays: number;
  /** Query samples per class of the core episode. */
  coreQueries: number;
}

/** Real episodes extended beyond a core episode, the core's samples first (see the module doc). */
export class ExtendedEpisodes implements TaskFamily {
  /** Family name. */
  readonly name: string;
  /** Always "classification". */
  readonly kind: TaskKind = "classification";
  /** Input width. */
  readonly inputs: number;
  /** Output width of the core episode (what the gradient-based learners' heads classify). */
  readonly outputs: number;
  readonly #family: RealEpisodes;
  readonly #o: ExtendedEpisodeOptions;

  /** Episodes of `dataset` over `classes` (see RealEpisodes), shaped by `o`. */
  constructor(
    dataset: Dataset,
    classes: ArrayLike<number>,
    o: ExtendedEpisodeOptions,
  ) {
    if (o.ways < o.coreWays || o.queries < o.coreQueries) {
      throw new RangeError(
        `Cannot extend episodes as ways and queries must be >= coreWays and coreQueries = ${o.coreWays} and ${o.coreQueries}: current values are ${o.ways} and ${o.queries}`,
      );
    }
    this.#family = new RealEpisodes(dataset, classes, {
      ways: o.ways,
      shots: o.shots,
      queryPerClass: o.queries,
    });
    this.#o = { ...o };
    this.inputs = this.#family.inputs;
    this.outputs = o.coreWays;
    this.name = `real-${o.ways}way-${o.shots}shot-${o.queries}query`;
  }

  /** Draws `episodes` extended episodes from `seed`, the core episode's queries first. */
  sampleEpisodes(seed: number, episodes: number): EpisodeBatch {
    const b = this.#family.sampleEpisodes(seed, episodes);
    const { ways: N, queries: Q, coreWays: n, coreQueries: q } = this.#o;
    const query = new Uint32Array(b.query.length);
    for (let e = 0; e < episodes; e++) {
      const src = b.query.subarray(e * N * Q, (e + 1) * N * Q);
      const dst = query.subarray(e * N * Q, (e + 1) * N * Q);
      let core = 0;
      let rest = n * q;
      for (let k = 0; k < N; k++) {
        for (let j = 0; j < Q; j++) {
          if (k < n && j < q) dst[core++] = src[k * Q + j]!;
          else dst[rest++] = src[k * Q + j]!;
        }
      }
    }
    // Rebuilt field by field: spreading `b` would read (and so build) its dense label maps.
    const { dataset, supportSize, querySize, support, labelMapWidth, ways } = b;
    const fields = {
      dataset,
      episodes,
      supportSize,
      querySize,
      support,
      query,
      labelMapWidth,
      ways,
    };
    return withClassLists(fields, episodeClasses(b)!);
  }
}
