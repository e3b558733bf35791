/**
 * The PyTorch peers of `deno task bench --metatrain --peers` (bench/peers_metatrain.py): FOMAML and
 * Reptile on 5-way 1-shot episodes, MLP 196-64-64-5, 5 inner steps on the support set, batched
 * over the tasks of a meta-batch, in two variants ("plain": a copy of every layer per task;
 * "factored": the first layer kept as theta minus a rank-5 term per task). Run before the engine
 * requests its adapter, with OPENBLAS_CORETYPE/L2_SIZE unset; on a machine with a CUDA GPU the
 * same peer also runs there ("torch-cuda"). The ratio lines compare the engine's rows of the same
 * workload with the CPU peers, and with the CUDA peers when there are any.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic } from "../core/atomic.ts";
import { formatFixed, formatRate } from "../core/format.ts";
import { runPythonPeer } from "./peers.ts";
import { WARMUP_SECONDS } from "./workloads.ts";

/** The network the peers train (the engine's rows of other networks get no ratio). */
export const PEER_WIDTHS = [196, 64, 64, 5];

/** One line the peer printed. */
export interface MetaTrainPeerRow {
  /** "torch-cpu" (the default when absent) or "torch-cuda". */
  peer?: string;
  variant: string;
  algorithm: string;
  meta_batch: number;
  threads: number;
  tasks_per_s: number;
  /** CPU time of the peer's process (every thread) per meta-iteration, in ms. */
  cpu_ms_per_iteration: number;
  /** The thread count of the best other rate (older peers printed none: 1 or 2, the other one). */
  other_threads?: number;
  other_threads_tasks_per_s: number;
  blas: string;
  valid: boolean;
}

/** One engine row of `bench --metatrain` to compare with the peers. */
export interface EngineMetaRow {
  label: string;
  /** "fomaml", "reptile", "maml", ... (only those the peer runs get a ratio). */
  algorithm: string;
  tasksPerSecond: number;
  /** CPU time of every thread per meta-iteration, in ms (NaN where unmeasured). */
  cpuMsPerIteration: number;
}

/** Runs the peer at each meta-batch size; its rows, or why it was skipped. */
export async function benchMetaTrainPeer(
  metaBatches: number[],
  seconds: number,
): Promise<MetaTrainPeerRow[] | string> {
  const out = await runPythonPeer(
    "peers_metatrain.py",
    [String(seconds), String(WARMUP_SECONDS), ...metaBatches.map(String)],
    "python3-torch python3-threadpoolctl libopenblas0-pthread",
  );
  if (!out.ok) return out.error;
  const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
  for (const l of lines.filter((l) => l.skipped !== undefined)) {
    console.log(`${l.peer} meta-training skipped: ${l.skipped}`);
  }
  return lines.filter((l) => l.skipped === undefined) as MetaTrainPeerRow[];
}

/** Writes the peer rows to DIR/metatrain_peers.csv. */
async function writePeerCsv(dir: string, rows: MetaTrainPeerRow[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const columns = [
    "peer",
    "variant",
    "algorithm",
    "meta_batch",
    "threads",
    "tasks_per_s",
    "cpu_ms_per_iteration",
    "other_threads",
    "other_threads_tasks_per_s",
    "blas",
    "valid",
  ];
  const csv = stringify(
    rows.map((r) => [
      kind(r),
      r.variant,
      r.algorithm,
      r.meta_batch,
      r.threads,
      formatFixed(r.tasks_per_s, 1),
      formatFixed(r.cpu_ms_per_iteration, 2),
      // A CUDA row has no other thread count: those columns stay empty.
      kind(r) === "torch-cuda" ? "" : r.other_threads ?? 3 - r.threads,
      kind(r) === "torch-cuda" ? "" : formatFixed(r.other_threads_tasks_per_s, 1),
      r.blas,
      r.valid ? "yes" : "no (reference BLAS)",
    ]),
    { header: true, columns },
  );
  await writeFileAtomic(join(dir, "metatrain_peers.csv"), csv);
}

/**
 * Prints the peers' section of `bench --metatrain --peers` (before any adapter exists) and, with
 * `out`, writes OUT/metatrain_peers.csv; the rows, or undefined when the peer was skipped.
 */
export async function printMetaTrainPeer(
  metaBatches: number[],
  seconds: number,
  out?: string,
): Promise<MetaTrainPeerRow[] | undefined> {
  console.log("peer phase (no engine device alive yet): PyTorch meta-training, batched over tasks");
  const rows = await benchMetaTrainPeer(metaBatches, seconds);
  if (typeof rows === "string") {
    console.log(`torch-cpu meta-training skipped: ${rows}`);
    return undefined;
  }
  for (const r of rows) {
    if (kind(r) === "torch-cuda") {
      console.log(
        `  torch-cuda ${r.variant}, ${r.algorithm}, meta-batch ${r.meta_batch}: ${
          formatRate(r.tasks_per_s)
        } tasks/s, ${formatFixed(r.cpu_ms_per_iteration, 1)} CPU-ms per meta-iteration (${r.blas})`,
      );
      continue;
    }
    const other = `${r.other_threads ?? 3 - r.threads}: ${formatRate(r.other_threads_tasks_per_s)}`;
    console.log(
      `  torch-cpu ${r.variant}, ${r.algorithm}, meta-batch ${r.meta_batch}: ${
        formatRate(r.tasks_per_s)
      } tasks/s, ${
        formatFixed(r.cpu_ms_per_iteration, 1)
      } CPU-ms per meta-iteration (${r.threads} thread${
        r.threads > 1 ? "s" : ""
      }; ${other}; BLAS ${r.blas}${r.valid ? "" : " -- INVALID (reference BLAS)"})`,
    );
  }
  if (out) await writePeerCsv(out, rows);
  return rows;
}

/** A peer row's kind: "torch-cpu" or "torch-cuda". */
const kind = (r: MetaTrainPeerRow): string => r.peer ?? "torch-cpu";

/**
 * The ratio lines of one meta-batch: for each algorithm the peer runs, the engine's fastest row of
 * that algorithm against the better valid CPU peer variant and against each; then, where the peer
 * ran on a CUDA GPU too, the same against the CUDA variants. None for a network the peer does not
 * train.
 */
export function peerRatioLines(
  peers: MetaTrainPeerRow[],
  widths: number[],
  metaBatch: number,
  engine: EngineMetaRow[],
): string[] {
  if (widths.join("-") !== PEER_WIDTHS.join("-")) return [];
  const lines: string[] = [];
  const kinds: [string, string][] = [
    ["torch-cpu", "PyTorch peer"],
    ["torch-cuda", "PyTorch CUDA peer"],
  ];
  for (const [peer, label] of kinds) {
    for (const algorithm of new Set(peers.map((p) => p.algorithm))) {
      const mine = peers.filter((p) =>
        kind(p) === peer && p.algorithm === algorithm && p.meta_batch === metaBatch && p.valid
      );
      const line = ratioLine(mine, engine.filter((e) => e.algorithm === algorithm), label);
      if (line) lines.push(`  meta-batch ${metaBatch}, ${algorithm}: ${line}`);
    }
  }
  return lines;
}

/** The better valid CPU peer's tasks/s of `algorithm` at `metaBatch`, or none (another network). */
export function bestCpuPeerRate(
  peers: MetaTrainPeerRow[],
  widths: number[],
  metaBatch: number,
  algorithm: string,
): number | undefined {
  if (widths.join("-") !== PEER_WIDTHS.join("-")) return undefined;
  const rates = peers.filter((p) =>
    kind(p) === "torch-cpu" && p.algorithm === algorithm && p.meta_batch === metaBatch && p.valid
  ).map((p) => p.tasks_per_s);
  return rates.length ? Math.max(...rates) : undefined;
}

/** The engine's fastest row against the fastest of `mine` (named `label`) and each; or none. */
function ratioLine(mine: MetaTrainPeerRow[], rows: EngineMetaRow[], label: string) {
  const best = rows.reduce<EngineMetaRow | undefined>(
    (m, e) => m && m.tasksPerSecond >= e.tasksPerSecond ? m : e,
    undefined,
  );
  if (mine.length === 0 || !best) return undefined;
  const top = mine.reduce((m, p) => (m.tasks_per_s >= p.tasks_per_s ? m : p));
  const x = (p: MetaTrainPeerRow) => `${formatFixed(best.tasksPerSecond / p.tasks_per_s, 2)}x`;
  const each = mine.map((p) => `${x(p)} ${p.variant} (${formatRate(p.tasks_per_s)})`).join(", ");
  const cpu = Number.isFinite(best.cpuMsPerIteration)
    ? `; CPU-ms per meta-iteration: engine ${
      formatFixed(best.cpuMsPerIteration, 1)
    }, ${top.variant} ${formatFixed(top.cpu_ms_per_iteration, 1)}`
    : "";
  return `engine (${best.label}) ${formatRate(best.tasksPerSecond)} tasks/s = ${
    x(top)
  } the better ${label} (${top.variant}); ${each}${cpu}`;
}
