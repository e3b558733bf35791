/**
 * Loop iterations of the factored loop's kernels per invocation, against the loop budget of a
 * software adapter. Mesa's lavapipe silently ends the loops of an invocation once it has run about
 * 65,535 loop iterations (learners/mlp/loop_budget.ts), and lowrank_inner runs a task's whole inner
 * loop in one invocation (lowrank_outer every task's rows for one block of the first layer), so a
 * large shape gets wrong results there without any error. Measured on
 * lavapipe (2026-12-02, kernel against its twin): 20-8-8-5 with 25 support rows matches after 3
 * steps and not after 4, 20-12-8-3 with 16 rows after 7 and not 8, 196-64-64-5 with 5 rows and
 * batch 25 (Reptile) after 9 and not 10; this count (every loop's iterations plus one exit test
 * per run of the loop) reads 47,974 / 63,887, 52,199 / 59,623 and 58,710 / 65,071 there.
 * lowrank_outer (FOMAML, 20-8-8-5, 1,024 tasks, vec4 path) matched with 40 query rows (count
 * 44,059) and not with 60 (64,539).
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { LOOP_BUDGET, loopRuns as loop } from "../mlp/loop_budget.ts";
import { scratchQuads, vec4Inputs } from "./lowrank_kernels.ts";
import { type LowrankShape, tailStride } from "./lowrank_shape.ts";

/**
 * Loop iterations (plus one exit test per loop run) of one invocation of lowrank_inner for a task
 * of shape `s`: the K support steps, then FOMAML's query pass; each term follows the kernel's loops
 * (cross-entropy's class-list scan, local_label, taken as `outputs` entries wide).
 */
export function lowrankInnerIterations(L: MlpLayout, s: LowrankShape): number {
  const S = s.support;
  const aq = scratchQuads(L);
  const quads = (l: number) => aq[l + 1]! - aq[l]!;
  const width4 = (l: number) => L.widths[l]! / 4;
  const H4 = width4(1);
  const O = L.outputs;
  const ch = (n: number) => Math.ceil(n / 8);
  const hidden = Array.from({ length: L.layers - 1 }, (_, i) => i + 1);
  const forward = (n: number) =>
    loop(1, H4) + loop(H4, H4 * Math.min(S, 8)) + loop(H4, H4 * n) + loop(2 * H4 * n, H4 * n * S) +
    loop(1, L.layers - 1) + hidden.reduce((a, l) => {
      const q = quads(l);
      return a + loop(1, q) + loop(q, q * ch(n)) + 2 * q * ch(n) + q * ch(n) * width4(l) + q * n;
    }, 0);
  const loss = (n: number) =>
    loop(1, n) + (L.loss === "mse" ? 0 : loop(3 * n, n * (3 * O - 1))) +
    loop(n, n * Math.ceil(O / 4)) +
    loop(n * Math.ceil(O / 4), n * O);
  const backward = (n: number) =>
    loop(1, L.layers - 1) + hidden.reduce((a, l) => {
      const w = width4(l);
      return a + loop(1, w) + loop(w, w * ch(n)) + 2 * w * ch(n) + w * ch(n) * quads(l) + w * n;
    }, 0);
  const norm = (n: number, all: boolean) => {
    const layers = all ? L.layers : 1;
    let pairs = layers + 1;
    for (let l = 0; l < layers; l++) pairs += quads(l) + 1 + (l > 0 ? quads(l - 1) + 1 : 0);
    const bias = all ? loop(1, aq[L.layers]!) + loop(aq[L.layers]!, aq[L.layers]! * n) : 1;
    return loop(1, n) + loop(n, n * n) + n * n * pairs + bias;
  };
  const grad = (l: number, n: number) => {
    const q = quads(l);
    const f = width4(l) * q * ch(n);
    const weights = l > 0
      ? loop(q * ch(n), f) + loop(f, width4(l) * q * n) +
        loop(f, ch(n) * width4(l) * L.widths[l + 1]!)
      : 0;
    return loop(1, q) + loop(q, q * ch(n)) + loop(q * ch(n), q * n) + weights;
  };
  const apply = (n: number, query: boolean) =>
    (query ? loop(1, tailStride(L) / 4) : 0) + loop(1, L.layers) + loop(1, H4) + loop(H4, H4 * n) +
    Array.from({ length: L.layers }, (_, l) => grad(l, n)).reduce((a, b) => a + b, 0);
  const step = forward(S) + loss(S) + backward(S) + norm(S, S > 8) + apply(S, false);
  const B = s.batch;
  const query = s.query ? forward(B) + loss(B) + backward(B) + apply(B, true) : 0;
  return loop(1, tailStride(L) / 4) + loop(1, L.widths[1]! * S) + loop(1, s.steps) +
    s.steps * step + query;
}

/**
 * Loop iterations (as lowrankInnerIterations) of one invocation of lowrank_outer: every task's
 * rows (FOMAML the query rows, Reptile the support rows) for one block of the first layer (the
 * scalar path's loop over 8 inputs is unrolled: 1,024 tasks of 50 rows match on lavapipe).
 */
export function lowrankOuterIterations(L: MlpLayout, s: LowrankShape): number {
  const T = s.tasks;
  const rows = T * (s.query ? s.batch : s.support);
  if (vec4Inputs(L)) return 2 * loop(1, T) + loop(T, rows) + loop(1, 4) + loop(4, 16);
  const units = Math.ceil(L.widths[1]! / 64);
  return loop(1, T) + loop(1, units) +
    units * (loop(1, T) + loop(T, rows) + loop(1, 8));
}

/**
 * Loop iterations (as lowrankInnerIterations) of one invocation of lowrank_project: its outputs'
 * loop over the inputs for a chunk of 8 rows.
 */
export function lowrankProjectIterations(L: MlpLayout, s: LowrankShape): number {
  const width = L.widths[1]! + s.support;
  const D = L.inputs;
  if (vec4Inputs(L)) {
    const q = Math.ceil(Math.ceil(width / 4) / 64);
    return 2 * loop(1, 8) + loop(1, q) + q * (loop(1, D / 4) + loop(1, 8) + loop(8, 32));
  }
  const o = Math.ceil(width / 64);
  return 2 * loop(1, 8) + loop(1, o) + o * (loop(1, D) + loop(D, 8 * D) + loop(1, 8));
}

/** The most loop iterations one invocation of the factored loop's kernels runs for shape `s`. */
export function lowrankIterations(L: MlpLayout, s: LowrankShape): number {
  return Math.max(
    lowrankInnerIterations(L, s),
    lowrankOuterIterations(L, s),
    lowrankProjectIterations(L, s),
  );
}

/** Whether the factored loop's kernels stay within a software adapter's loop budget for `s`. */
export function lowrankFits(L: MlpLayout, s: LowrankShape): boolean {
  return lowrankIterations(L, s) <= LOOP_BUDGET;
}
