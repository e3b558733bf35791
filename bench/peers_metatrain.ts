/**
 * The PyTorch peer of `deno task bench --metatrain --peers` (bench/peers_metatrain.py): FOMAML and
 * Reptile on 5-way 1-shot episodes, MLP 196-64-64-5, 5 inner steps, batched over the tasks of a
 * meta-batch. Run before the engine requests its adapter, with OPENBLAS_CORETYPE/L2_SIZE unset.
 * @module
 */
import { formatRate } from "../core/format.ts";
import { runPythonPeer } from "./peers.ts";
import { WARMUP_SECONDS } from "./workloads.ts";

/** One line the peer printed. */
export interface MetaTrainPeerRow {
  algorithm: string;
  meta_batch: number;
  threads: number;
  tasks_per_s: number;
  blas: string;
  valid: boolean;
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
  return out.stdout.trim().split("\n").map((l) => JSON.parse(l) as MetaTrainPeerRow);
}

/** Prints the peer's section of `bench --metatrain --peers` (before any adapter exists). */
export async function printMetaTrainPeer(metaBatches: number[], seconds: number): Promise<void> {
  console.log("peer phase (no engine device alive yet): PyTorch meta-training, batched over tasks");
  const rows = await benchMetaTrainPeer(metaBatches, seconds);
  if (typeof rows === "string") {
    console.log(`torch-cpu meta-training skipped: ${rows}`);
    return;
  }
  for (const r of rows) {
    console.log(
      `  torch-cpu ${r.algorithm}, meta-batch ${r.meta_batch}: ${
        formatRate(r.tasks_per_s)
      } tasks/s (${r.threads} thread${r.threads > 1 ? "s" : ""}; BLAS ${r.blas}${
        r.valid ? "" : " -- INVALID (reference BLAS)"
      })`,
    );
  }
}
