/**
 * The factored meta loop: FOMAML and Reptile with SGD inner steps, the first layer kept as theta's
 * weights plus a per-task low-rank term (same mathematics as the per-model loop of
 * learners/meta_train/meta_loop.ts; only the order of float sums differs).
 *
 * Every task of a meta-batch starts from theta, and an SGD step on a fixed support set X_t (D x S)
 * changes the first layer's weights by -lr * sum_s w_s delta1_s x_s^T, a matrix of rank <= S. So
 * after any number of steps W1_t = W1 - A_t X_t^T, where A_t (H x S) accumulates lr * w_s * delta1
 * of each support sample s (w_s: the sample's weight in the step's mean). Hence:
 * - support pre-activations W1_t x_s = W1 x_s - A_t (X_t^T x_s): one product of theta's W1 with the
 *   iteration's samples (lowrank_project, with the Gram matrix X_t^T X_t and X_t^T Q_t), then an
 *   S x S correction per step; no per-task copy, read or write of W1 in any inner step;
 * - the step's gradient norm (for the quarantine test) from Gram matrices:
 *   |sum_s d_s a_s^T|^2 = sum_{s,r} (d_s . d_r)(a_s . a_r);
 * - the query pre-activations W1 q - A_t (X_t^T q);
 * - FOMAML's first-layer gradient at the adapted weights, averaged over the healthy tasks, is
 *   (1/n) sum_t sum_q delta1_{t,q} q^T: one product over every task's query deltas and inputs
 *   (lowrank_outer); Reptile's mean adapted first layer is W1 - (1/n) sum_t A_t X_t^T, likewise.
 * Only the tail (the first layer's bias and the later layers) is per-task state (lowrank_inner:
 * all K steps and the query pass of a task in one invocation, the tail in its row of a table).
 * The mean row then goes through the existing meta-updates with one model (meta_fomaml_update,
 * meta_reptile_update) and the log row through meta_log with the tasks' metrics; with `headReset`
 * theta's output layer is then set to zero, as in the per-model loop.
 * Twins: learners/meta_train/lowrank_cpu.ts; the loop on the CPU: cpu_lowrank_loop.ts; on a GPU:
 * gpu_lowrank_loop.ts.
 * @module
 */
import type { MetaLoopSpec } from "./meta_loop.ts";

/**
 * Whether the factored loop serves `spec`: FOMAML or Reptile (SGD inner steps on a fixed support
 * set) and a network with at least one hidden layer (the spec's `lowrank` switch aside).
 */
export function lowrankApplies(spec: MetaLoopSpec): boolean {
  const method = spec.method === "fomaml" || spec.method === "reptile";
  return method && spec.widths.length >= 3;
}
