/**
 * Storage accesses of the factored meta loop (learners/meta_train/lowrank_loop.ts) per task of a
 * meta-iteration, counted from the loops of its kernels on a software adapter (a vec4 load counts
 * as one access, as in bench/roofline.ts), beside the per-model loop's: K fused or tiled train
 * steps of the support set plus one gradient step of the inner batch (trainStepAccesses).
 * Counts follow shaders/lowrank_project.wgsl and lowrank_outer.wgsl on their vec4 paths and
 * lowrank_inner.wgsl with at most 8 support rows (null otherwise); small terms (metrics, episode
 * ids) are left out.
 * @module
 */
import { type LossKind, type MlpLayout, mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { scratchQuads } from "../learners/meta_train/lowrank_kernels.ts";
import { tailStride } from "../learners/meta_train/lowrank_shape.ts";
import { trainStepAccesses } from "./roofline.ts";

/** The per-task accesses of one factored meta-iteration, by kernel, and the per-model loop's. */
export interface LowrankAccesses {
  project: number;
  innerSteps: number;
  queryPass: number;
  outer: number;
  total: number;
  /** The per-model loop: K train steps of the support set, then the inner batch's gradient step. */
  perModel: number;
}

const div8 = (n: number) => Math.ceil(n / 8);

/** One forward, backward and gradient pass of the tail over n rows (lowrank_inner's loops). */
function tailPass(L: MlpLayout, S: number, n: number, update: boolean): number {
  const aq = scratchQuads(L);
  const H4 = L.widths[1]! / 4;
  let a = H4 * (4 * Math.min(S, 8) + 1 + n * (4 + S + 1));
  for (let l = 1; l < L.layers; l++) {
    const fin4 = L.widths[l]! / 4;
    const outq = aq[l + 1]! - aq[l]!;
    // Forward: per output quad and chunk, 4 weight quads + one activation per row per input quad.
    a += outq * (1 + div8(n) * fin4 * 4 + fin4 * n + n);
    // Backward: per input quad and chunk, 4 weight quads + one delta per row per output quad.
    a += fin4 * (div8(n) * outq * 4 + outq * n + 2 * n);
    // Gradient: per output quad, the deltas and bias, then per input quad the rows and 4 weights
    // read and written.
    a += outq * (n + 2 * div8(n) + fin4 * (n + 8 * div8(n)));
  }
  a += H4 * (div8(n) * 3 + 2); // layer 0's bias gradient
  a += H4 * n * (update ? 8 : 5); // A's update (4 read + 4 written) or d1q's writes and the read
  return a + 3 * n * Math.ceil(L.outputs / 4); // loss: outputs read, deltas written
}

/** Accesses per task of one factored meta-iteration of `widths` (FOMAML: with the query pass). */
export function lowrankAccesses(
  widths: number[],
  o: { support: number; batch: number; steps: number; fomaml: boolean; loss?: LossKind },
): LowrankAccesses | null {
  if (widths[0]! % 4 !== 0 || o.support > 8) return null;
  const loss = o.loss ?? "cross_entropy";
  const L = mlpLayout({ size: 1, widths, loss, batchSize: o.batch });
  const S = o.support;
  const B = o.fomaml ? o.batch : 0;
  const D4 = L.inputs / 4;
  const H4 = L.widths[1]! / 4;
  const width4 = Math.ceil((L.widths[1]! + S) / 4);
  const project = div8(S + B) * width4 * (D4 * 12 + 32);
  const norm0 = S * S * (H4 * 2 + 1);
  const innerSteps = o.steps * (tailPass(L, S, S, true) + norm0) + tailStride(L) / 4;
  const queryPass = B > 0 ? tailPass(L, S, B, false) + tailStride(L) / 4 : 0;
  // Per row of the task: one vec4 of deltas (or 4 of A) and 4 input quads per block of 16 inputs.
  const outer = (B > 0 ? B : S) * H4 * Math.ceil(D4 / 4) * (B > 0 ? 6 : 9) + L.paramCount;
  const inner = mlpLayout({ size: 1, widths, loss, batchSize: S });
  const perModel = o.steps * trainStepAccesses(inner).total +
    (B > 0 ? trainStepAccesses(L).total : 0);
  const total = project + innerSteps + queryPass + outer;
  return { project, innerSteps, queryPass, outer, total, perModel };
}
