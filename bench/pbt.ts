/**
 * `deno task bench --pbt`: a population-based-training round end to end on workload W (MLP
 * 32-64-5, batch 32): P models train PBT_STEPS SGD steps on their own batches, the losses are read
 * back, the bottom 20% copy the parameters of models drawn from the top 20% (exploit) and get
 * their source's learning rate perturbed by exp(0.2 N(0,1)) (explore). Rounds per second on the
 * engine's backends and on a batched PyTorch peer (bench/peers_pbt.py, run before the adapter).
 * @module
 */
import { formatFixed, formatRate } from "../core/format.ts";
import { Rng } from "../core/rng.ts";
import type { Backend } from "../learners/backend.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { exploitPairs, perturbLog } from "../meta/few_shot/pbt.ts";
import { runPythonPeer } from "./peers.ts";
import { syntheticData, WARMUP_SECONDS, WORKLOAD_W } from "./workloads.ts";

/** SGD steps per PBT round. */
export const PBT_STEPS = 20;
/** Share of the population exploited (bottom) and copied from (top). */
export const PBT_FRACTION = 0.2;

/** Rounds per second of a PBT round on `backend` at population P, for at least `minSeconds`. */
export async function benchPbtRound(
  backend: Backend,
  P: number,
  minSeconds: number,
): Promise<number> {
  const w = WORKLOAD_W;
  const rows = 4096;
  const data = backend.uploadDataset(syntheticData(w.widths[0]!, w.widths.at(-1)!, rows, 1));
  const pop = backend.createPopulation({ size: P, widths: w.widths, batchSize: w.batchSize });
  pop.init(1);
  const rng = new Rng(5, 0);
  const lrs = Array.from({ length: P }, () => perturbLog(0.05, 1, rng, 1e-3, 0.5));
  const ranges = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) ranges[2 * p + 1] = rows;
  let round = 0;
  const once = async () => {
    pop.setKnobs(lrs.map((lr): Knobs => ({ lr, optimizer: "sgd" })));
    pop.sampleBatches({ seed: 7, round: round++, numBatches: PBT_STEPS, ranges });
    pop.train(data, PBT_STEPS);
    const { loss } = await pop.readMetrics();
    const pairs = exploitPairs(Array.from(loss, (l) => -l), PBT_FRACTION, rng);
    pop.copyModels(pairs.map((p) => p.source), pairs.map((p) => p.target));
    for (const p of pairs) lrs[p.target] = perturbLog(lrs[p.source]!, 0.2, rng, 1e-3, 0.5);
  };
  const t0 = performance.now();
  do await once(); while (performance.now() - t0 < WARMUP_SECONDS * 1000);
  let n = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < minSeconds * 1000) {
    await once();
    n++;
  }
  const seconds = (performance.now() - t1) / 1000;
  pop.destroy();
  data.destroy();
  return n / seconds;
}

/** The PyTorch peer's rounds/s at each P (with its BLAS and threads), or why it was skipped. */
export async function benchPbtPeer(
  sizes: number[],
  seconds: number,
): Promise<{ population: number; rounds_per_s: number; threads: number; blas: string }[] | string> {
  const out = await runPythonPeer("peers_pbt.py", [
    String(PBT_STEPS),
    String(PBT_FRACTION),
    String(seconds),
    String(WARMUP_SECONDS),
    ...sizes.map(String),
  ], "python3-torch python3-threadpoolctl libopenblas0-pthread");
  if (!out.ok) return out.error;
  return out.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

/** Prints the PBT section: the peer's line (measured earlier, before the adapter) and the engine's. */
export async function printPbt(
  backends: Backend[],
  sizes: number[],
  seconds: number,
  peer: Awaited<ReturnType<typeof benchPbtPeer>>,
): Promise<void> {
  console.log(
    `\nPBT round on W: ${PBT_STEPS} SGD steps, losses read back, bottom ${
      100 * PBT_FRACTION
    }% copy the top (exploit) and perturb the learning rate (explore)`,
  );
  if (typeof peer === "string") console.log(`torch-cpu skipped: ${peer}`);
  for (const P of sizes) {
    const t = typeof peer === "string" ? undefined : peer.find((r) => r.population === P);
    const cells = [`P=${P}`];
    let gpu = NaN;
    for (const b of backends) {
      const r = await benchPbtRound(b, P, seconds);
      if (b.kind === "gpu") gpu = r;
      cells.push(`${b.kind === "gpu" ? "gpu" : "cpu-twin"} ${formatRate(r)} rounds/s`);
    }
    if (t) {
      cells.push(`torch-cpu ${formatRate(t.rounds_per_s)} (${t.threads} thr, BLAS ${t.blas})`);
      cells.push(`gpu/torch ${formatFixed(gpu / t.rounds_per_s, 2)}x`);
    }
    console.log(cells.join(" | "));
  }
}
