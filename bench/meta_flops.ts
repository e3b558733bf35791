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

/** FLOP of one sample's forward and backward pass through an MLP of `widths`. */
export function samplePassFlop(widths: readonly number[]): number {
  let all = 0;
  let deltas = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const mac = widths[l]! * widths[l + 1]!;
    all += mac;
    if (l > 0) deltas += mac;
  }
  return 4 * all + 2 * deltas;
}

/** FLOP of one FOMAML task: inner steps on the support samples, then the query gradient. */
export function fomamlTaskFlop(
  widths: readonly number[],
  o: { support: number; query: number; innerSteps: number },
): number {
  return samplePassFlop(widths) * (o.innerSteps * o.support + o.query);
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
  return `  cpu twin FOMAML arithmetic: ${
    (flop / 1e6).toFixed(2)
  } MFLOP per task (${BENCH_INNER_STEPS} inner steps on ` +
    `${w.support} samples, a ${w.query}-sample query gradient), ${
      (rate / 1e9).toFixed(1)
    } GFLOP/s, ` +
    `${((100 * rate) / peak).toFixed(0)}% of the CPU twins' f64x2 ceiling measured now ` +
    `(${(peak / 1e9).toFixed(1)} GFLOP/s on the twins' ${rates.length} threads${
      cores > rates.length ? ` of ${cores} cores (METAFORGE_CPU_THREADS sets them)` : ""
    }, bench/wasm_peak.ts)`;
}
