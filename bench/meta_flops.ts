/**
 * Arithmetic of a FOMAML task in the engine's per-model meta loop, for the bench's roofline line
 * against the CPU twins' measured f64x2 ceiling (bench/wasm_peak.ts): `innerSteps` SGD steps on the
 * `support` samples, then the gradient of the `query` samples at the adapted weights. A sample-pass
 * (forward and backward) is 2 sum(in x out) FLOP forward, 2 sum(in x out) for the weight gradients
 * and 2 sum(in x out) over every layer but the first for the input deltas (the first layer's are
 * not needed); biases, losses and updates are left out (under 1% here).
 * @module
 */
import { cpus } from "node:os";
import { cpuThreads } from "../learners/meta_train/helper_pool.ts";
import { peakOnThreads } from "./wasm_peak.ts";
import { BENCH_INNER_STEPS } from "./metatrain_workloads.ts";

/** Multiply-adds per sample of every layer after the first (those with input deltas). */
function laterMacs(widths: readonly number[]): number {
  let later = 0;
  for (let l = 1; l + 1 < widths.length; l++) later += widths[l]! * widths[l + 1]!;
  return later;
}

/** FLOP of one sample's forward and backward pass through an MLP of `widths`. */
export function samplePassFlop(widths: readonly number[]): number {
  const later = laterMacs(widths);
  return 4 * (widths[0]! * widths[1]! + later) + 2 * later;
}

/** FLOP of one FOMAML task: inner steps on the support samples, then the query gradient. */
export function fomamlTaskFlop(
  widths: readonly number[],
  o: { support: number; query: number; innerSteps: number },
): number {
  return samplePassFlop(widths) * (o.innerSteps * o.support + o.query);
}

/**
 * FLOP of one FOMAML task in the factored scheme of the PyTorch peer's "factored" variant
 * (bench/peers_metatrain.py): every task starts from theta, so its
 * first layer is W1 - X^T A. Per task: the support and query pre-activations at theta (S and Q rows
 * times the first layer), the Gram products X X^T and Q X^T; per inner step the first layer's
 * correction (S x S x n1) and a forward, weight-gradient and delta pass through the later layers
 * on the S support samples; the query pass the same on Q samples plus the first layer's
 * meta-gradient (Q x n0 x n1). Biases, losses and A's update are left out, as above.
 */
export function factoredFomamlTaskFlop(
  widths: readonly number[],
  o: { support: number; query: number; innerSteps: number },
): number {
  const [n0, n1] = [widths[0]!, widths[1]!];
  const later = laterMacs(widths);
  const { support: s, query: q } = o;
  const project = (s + q) * n0 * n1 + (s + q) * s * n0;
  const inner = o.innerSteps * (s * s * n1 + 3 * s * later);
  const query = q * s * n1 + 3 * q * later + q * n0 * n1;
  return 2 * (project + inner + query);
}

let ceiling: Promise<number[]> | undefined;

/**
 * The bench's line for the CPU twin's FOMAML row: FLOP per task, GFLOP/s at `tasksPerSecond`, and
 * the share of the f64x2 ceiling measured once per process (bench/wasm_peak.ts) on the threads the
 * CPU twins use (`cpuThreads()`: 2 unless METAFORGE_CPU_THREADS says otherwise), with the machine's
 * core count when it has more: on the H200's 16-core host the line compared the 2-thread twin with
 * a 16-thread ceiling (2026-12-04).
 */
export async function cpuCeilingLine(
  w: { widths: readonly number[]; support: number; query: number },
  tasksPerSecond: number,
  peerTasksPerSecond?: number,
): Promise<string> {
  ceiling ??= peakOnThreads(cpuThreads(), 0.5);
  const cores = cpus().length;
  const rates = await ceiling;
  const peak = rates.reduce((a, b) => a + b, 0);
  const flop = fomamlTaskFlop(w.widths, {
    support: w.support,
    query: w.query,
    innerSteps: BENCH_INNER_STEPS,
  });
  const rate = flop * tasksPerSecond;
  const line =
    `  cpu twin FOMAML arithmetic: ${
      (flop / 1e6).toFixed(2)
    } MFLOP per task (${BENCH_INNER_STEPS} inner steps on ` +
    `${w.support} samples, a ${w.query}-sample query gradient), ${
      (rate / 1e9).toFixed(1)
    } GFLOP/s, ` +
    `${((100 * rate) / peak).toFixed(0)}% of the CPU twins' f64x2 ceiling measured now ` +
    `(${(peak / 1e9).toFixed(1)} GFLOP/s on the twins' ${rates.length} threads${
      cores > rates.length ? ` of ${cores} cores (METAFORGE_CPU_THREADS sets them)` : ""
    }, bench/wasm_peak.ts)`;
  if (!(peerTasksPerSecond && peerTasksPerSecond > 0)) return line;
  return `${line}\n${twicePeerLine(w, flop, peak, peerTasksPerSecond)}`;
}

/**
 * What 2x the better PyTorch CPU peer's FOMAML rate asks of the twins: GFLOP/s at the per-model
 * loop's FLOP per task and at the factored scheme's, each as a multiple of the measured ceiling
 * (above 1: out of reach for the f64x2 kernels however well they run).
 */
function twicePeerLine(
  w: { widths: readonly number[]; support: number; query: number },
  flop: number,
  peak: number,
  peerTasksPerSecond: number,
): string {
  const target = 2 * peerTasksPerSecond;
  const factored = factoredFomamlTaskFlop(w.widths, { ...w, innerSteps: BENCH_INNER_STEPS });
  const need = (f: number) =>
    `${(f * target / 1e9).toFixed(1)} GFLOP/s at ${(f / 1e6).toFixed(2)} MFLOP per task ` +
    `(${(f * target / peak).toFixed(2)}x the ceiling)`;
  return `  2x the better PyTorch CPU peer (${Math.round(target)} tasks/s) needs ${
    need(flop)
  } on this loop, ${need(factored)} factored`;
}
