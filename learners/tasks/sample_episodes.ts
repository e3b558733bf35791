/**
 * Wrapper of `shaders/sample_episodes.wgsl`: N-way K-shot episodes drawn on the GPU from a class
 * index, so a population of P models gets P episodes without uploading indices. Twin:
 * `drawEpisodeIndices` (learners/tasks/real_episodes.ts), which uses the same counters.
 * @module
 */
import episodesWgsl from "../../shaders/sample_episodes.wgsl" with { type: "text" };
import {
  ceilDiv,
  createStorageBuffer,
  createStorageBufferFrom,
  readU32,
} from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { encodeGridKernel, kernelInterface } from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";
import type { ClassIndex } from "../data/class_index.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";

const EPISODES = kernelInterface("shaders/sample_episodes.wgsl", episodesWgsl, {
  read: "classes: array<u32>, offsets: array<u32>, members: array<u32>",
  readWrite: "support: array<u32>, query: array<u32>, classList: array<u32>",
  params: "E, C, N, K, Q, seed, first, gridX",
});

/** What to draw: the classes of a split, ways, shots and query points per class. */
export interface GpuEpisodeSpec {
  /** Global classes the episodes draw from. */
  classes: Uint32Array;
  /** The data set's class index. */
  index: ClassIndex;
  /** N, at most 64 and at most the number of classes. */
  ways: number;
  /** K. */
  shots: number;
  /** Q; K + Q at most 256 and at most the smallest class. */
  queryPerClass: number;
}

/** Episodes resident on the GPU: (E, N*K) support, (E, N*Q) query and (E, N) class lists. */
export interface GpuEpisodes {
  /** Number of episodes. */
  episodes: number;
  /** (E, N*K) support indices. */
  support: GPUBuffer;
  /** (E, N*Q) query indices. */
  query: GPUBuffer;
  /**
   * (E, N) class lists: entry k of row e is the global class of local label k (as
   * learners/tasks/episode_classes.ts; no dense label maps, whose rows grow with the class count).
   */
  classes: GPUBuffer;
  /** Frees the buffers. */
  destroy(): void;
}

function check(spec: GpuEpisodeSpec, episodes: number): void {
  const { classes, index, ways: N, shots: K, queryPerClass: Q } = spec;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new RangeError(`Invalid episodes: must be an integer >= 1: current value is ${episodes}`);
  }
  if (!Number.isInteger(N) || N < 1 || N > Math.min(64, classes.length)) {
    throw new RangeError(
      `Invalid ways: must be in [1, ${Math.min(64, classes.length)}]: current value is ${N}`,
    );
  }
  let smallest = Infinity;
  for (const c of classes) {
    if (c >= index.classes) {
      throw new RangeError(`Invalid classes: must be < ${index.classes}: current value is ${c}`);
    }
    smallest = Math.min(smallest, index.offsets[c + 1]! - index.offsets[c]!);
  }
  if (
    !Number.isInteger(K) || !Number.isInteger(Q) || K < 1 || Q < 0 ||
    K + Q > Math.min(256, smallest)
  ) {
    throw new RangeError(
      `Invalid shots + queryPerClass: must be in [1, ${
        Math.min(256, smallest)
      }] (the smallest class): current value is ${K + Q}`,
    );
  }
}

/**
 * The kernel's estimated loop iterations per invocation for `spec`: drawing the N ways (about N^2
 * each way) and rejection sampling of K + Q distinct samples per class (about 2 (K+Q)^2 each).
 */
export function sampleEpisodesIterations(
  spec: Pick<GpuEpisodeSpec, "ways" | "shots" | "queryPerClass">,
): number {
  const kq = spec.shots + spec.queryPerClass;
  return 2 * spec.ways * spec.ways + spec.ways * 2 * kq * kq;
}

/** Draws episodes first .. first+episodes-1 of `seed` on the GPU (no readback). */
export async function sampleEpisodesGpu(
  ctx: GpuContext,
  spec: GpuEpisodeSpec,
  options: { seed: number; episodes: number; first?: number },
): Promise<GpuEpisodes> {
  const E = options.episodes;
  check(spec, E);
  // One invocation draws 8 episodes as SIMD lanes; keep its loops within a software adapter's
  // budget (learners/mlp/loop_budget.ts).
  const iterations = sampleEpisodesIterations(spec);
  if (ctx.software && iterations > LOOP_BUDGET) {
    throw new RangeError(
      `Cannot draw episodes on this software adapter as ways*(shots+queryPerClass)^2 must be small enough for its loop budget (${LOOP_BUDGET} iterations): current estimate is ${iterations}`,
    );
  }
  const iface = EPISODES;
  const pipeline = await getPipeline(
    ctx,
    "sample_episodes",
    composeWgsl([RNG_WGSL, GRID_WGSL, ...iface.parts]),
  );
  const { ways: N, shots: K, queryPerClass: Q, index } = spec;
  const classes = createStorageBufferFrom(ctx, new Uint32Array(spec.classes), "episode-classes");
  const offsets = createStorageBufferFrom(ctx, index.offsets, "episode-offsets");
  const members = createStorageBufferFrom(ctx, index.members, "episode-members");
  const support = createStorageBuffer(ctx, E * N * K * 4, "episode-support");
  const query = createStorageBuffer(ctx, Math.max(1, E * N * Q) * 4, "episode-query");
  const classList = createStorageBuffer(ctx, E * N * 4, "episode-class-list");
  const enc = ctx.device.createCommandEncoder({ label: "sample-episodes" });
  const pass = enc.beginComputePass();
  const ub = encodeGridKernel(ctx, pass, { pipeline, iface }, {
    groups: ceilDiv(E, 64),
    buffers: { classes, offsets, members, support, query, classList },
    params: {
      E,
      C: spec.classes.length,
      N,
      K,
      Q,
      seed: options.seed,
      first: options.first ?? 0,
    },
  });
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  for (const b of [classes, offsets, members, ub]) b.destroy();
  return {
    episodes: E,
    support,
    query,
    classes: classList,
    destroy() {
      support.destroy();
      query.destroy();
      classList.destroy();
    },
  };
}

/** Reads GPU episodes back (for tests and inspection). */
export async function readEpisodes(
  ctx: GpuContext,
  eps: GpuEpisodes,
  spec: GpuEpisodeSpec,
): Promise<{ support: Uint32Array; query: Uint32Array; classes: Uint32Array }> {
  const E = eps.episodes;
  return {
    support: await readU32(ctx, eps.support, E * spec.ways * spec.shots),
    query: await readU32(ctx, eps.query, E * spec.ways * spec.queryPerClass),
    classes: await readU32(ctx, eps.classes, E * spec.ways),
  };
}
