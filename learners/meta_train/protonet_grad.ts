/**
 * Wrapper of `shaders/protonet_grad.wgsl` (the Prototypical Networks loss and gradient of every
 * episode of a meta-batch at one theta); its CPU twin is `protonetGradCpu` in protonet_cpu.ts.
 * @module
 */
import code from "../../shaders/protonet_grad.wgsl" with { type: "text" };
import { loopRuns as loop } from "../mlp/loop_budget.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { MLP_LAYOUT_PARAMS, mlpLayoutParams } from "./mlp_layout_params.ts";
import { embedLayer } from "./protonet_cpu.ts";
import {
  checkProtonetDistance,
  EUCLIDEAN,
  PROTONET_DISTANCES,
  type ProtonetDistance,
} from "./protonet_distance.ts";

/** The ProtoNet gradient kernel. */
export const PROTONET_GRAD: MetaKernel = metaKernel("protonet_grad", code, {
  read: "x, y, support: array<u32>, query: array<u32>, classes: array<u32>, ids: array<u32>, theta",
  readWrite: "grads, metrics, stats, scratch",
  params: "models, S, Q, ways, classWidth, targetWidth, gridX, idsOffset, inputs, scratchFloats" +
    `, maxWidth, embed, linear, distance, scale: f32, ${MLP_LAYOUT_PARAMS}`,
});

/** The episode shape a ProtoNet pass runs on. */
export interface ProtonetShape {
  /** Models (episodes) of the meta-batch. */
  models: number;
  /** Support samples per episode. */
  supportSize: number;
  /** Query samples per episode. */
  querySize: number;
  /** Classes per episode. */
  ways: number;
  /** Width of a class-list row (the pool's ways; 0: labels as stored). */
  classWidth: number;
  /** Targets per sample of the data set. */
  targetWidth: number;
  /** Index in ids of model 0's episode. */
  idsOffset: number;
}

/** Bindings of the ProtoNet gradient kernel. */
export interface ProtonetBuffers {
  /** (count, inputs) f32 inputs. */
  x: MetaBinding;
  /** (count, targetWidth) targets. */
  y: MetaBinding;
  /** (episodes, supportSize) support sample ids. */
  support: MetaBinding;
  /** (episodes, querySize) query sample ids. */
  query: MetaBinding;
  /** (episodes, classWidth) class lists (any buffer when classWidth is 0). */
  classes: MetaBinding;
  /** Episode ids. */
  ids: MetaBinding;
  /** (stride) the shared parameters. */
  theta: MetaBinding;
  /** (models, stride) receives the gradient rows. */
  grads: MetaBinding;
  /** (models, METRIC_STRIDE) receives loss, gradient norm, quarantine flag. */
  metrics: MetaBinding;
  /** (models, PROTONET_STATS) receives the per-episode statistics. */
  stats: MetaBinding;
  /** (models, protonetScratchFloats) scratch. */
  scratch: MetaBinding;
}

/** The widest layer up to the embedding. */
function maxWidth(L: MlpLayout): number {
  return Math.max(...L.widths.slice(0, embedLayer(L) + 2));
}

/** Floats of the kernel's scratch per model. */
export function protonetScratchFloats(L: MlpLayout, s: ProtonetShape): number {
  const n = s.supportSize + s.querySize;
  const D = L.widths[embedLayer(L) + 1]!;
  return n * L.actWidth + 2 * n * maxWidth(L) + 2 * s.ways * D + 2 * s.ways;
}

/**
 * An upper bound of the loop iterations one invocation of the kernel runs, summed over all its
 * loops (each loop's iterations plus one exit test per run, nested loops and the helpers' loops
 * included): the forward pass and the backward pass over the S + Q samples and the layers up to the
 * embedding, the prototypes, the scoring of queries and support samples and the loops over the
 * parameters. Mesa's software driver silently stops all loops of an invocation (a SIMD group of 8
 * lanes) once they have run 65,535 iterations together (learners/mlp/loop_budget.ts; measured on
 * lavapipe: widths [16, 64, 64, 5] stopped inside the forward pass at sample 12 of 30). Every loop
 * bound is uniform over the models, so the lanes of a group run the same counts. The GPU loop
 * refuses shapes over LOOP_BUDGET on a software adapter.
 */
export function protonetLoopIterations(L: MlpLayout, s: ProtonetShape): number {
  const S = s.supportSize;
  const Q = s.querySize;
  const n = S + Q;
  const N = s.ways;
  const E = embedLayer(L);
  const D = L.widths[E + 1]!;
  const W = maxWidth(L);
  const label = loop(1, s.classWidth); // label_of's scan of the class list
  const pair = loop(1, D); // pair_sums
  // One sample through layer l: the loop over its outputs, each over its inputs.
  const layer = (l: number) => loop(1, L.widths[l + 1]!) + L.widths[l + 1]! * loop(1, L.widths[l]!);
  let forward = loop(1, E + 1);
  let backward = loop(1, E + 1);
  for (let l = 0; l <= E; l++) {
    forward += layer(l);
    backward += (l > 0 ? loop(1, n * W) : 0) + loop(1, n) + n * layer(l);
  }
  const prototypes = loop(1, N * D) + loop(1, N) + loop(1, S) + S * (label + pair) + loop(1, N) +
    N * pair;
  // score: per row, the distances, its label, the log-sum-exp and (queries) the gradient.
  const scoreRow = loop(1, N) + N * pair + label + loop(1, N);
  const queries = loop(1, Q) + Q * (scoreRow + loop(1, N) + N * 2 * pair);
  const support = loop(1, S) + S * scoreRow;
  const share = loop(1, S) + S * (label + pair);
  return loop(1, n) + n * forward + loop(1, n * W) + prototypes + queries + support + share +
    2 * loop(1, L.stride) + backward;
}

/**
 * The kernel run over every model of `s.models` for layout `L` (at most 4 layers), scoring with
 * distance `dist` (and reading the embedding `dist.embedding` names).
 */
export function protonetGradRun(
  L: MlpLayout,
  b: ProtonetBuffers,
  s: ProtonetShape,
  dist: ProtonetDistance = EUCLIDEAN,
): MetaRun {
  checkProtonetDistance(dist);
  if (L.layers > 4) {
    throw new RangeError(
      `Cannot run protonet_grad as layers must be <= 4: current value is ${L.layers}`,
    );
  }
  const { models, ways, classWidth, targetWidth, idsOffset } = s;
  const params = { models, S: s.supportSize, Q: s.querySize, ways, classWidth, targetWidth };
  return {
    n: models,
    buffers: { ...b },
    params: {
      ...params,
      idsOffset,
      inputs: L.widths[0]!,
      scratchFloats: protonetScratchFloats(L, s),
      maxWidth: maxWidth(L),
      embed: embedLayer(L),
      linear: dist.embedding === "linear" ? 1 : 0,
      distance: PROTONET_DISTANCES.indexOf(dist.kind),
      scale: dist.scale,
      ...mlpLayoutParams(L),
    },
  };
}
