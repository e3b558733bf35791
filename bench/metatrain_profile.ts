/**
 * Where the time of a meta-iteration goes, for `deno task bench --metatrain`: CPU time (every
 * thread of the process: on a software adapter the kernels run on the driver's worker threads) and
 * the main thread's share (the host: encoding, submits, bind groups), per meta-iteration of the
 * backend's loop and per pass of its pieces timed alone (an inner SGD step on the population the
 * loop's inner steps use, and one of batchSize samples, the kernel of the query gradient pass with
 * the update added). CPU time, unlike wall
 * time, barely moves with the machine's load. Linux only (reads /proc); elsewhere the CPU columns
 * are NaN.
 * @module
 */
import process from "node:process";
import { formatFixed } from "../core/format.ts";
import type { Backend, BackendDataset, Population } from "../learners/backend.ts";
import type { EpisodePool } from "../meta/few_shot/episode_pool.ts";
import { drawIds } from "../meta/few_shot/train_by_steps.ts";
import { Rng } from "../core/rng.ts";
import type { MetaTrainWorkload } from "./metatrain_workloads.ts";

/** CPU milliseconds of the whole process and of its main (JavaScript) thread. */
export interface CpuClock {
  /** All threads (user + system). */
  processMs: number;
  /** The main thread (user + system), NaN when /proc is not readable. */
  mainMs: number;
}

/** The CPU time used so far. */
export function cpuClock(): CpuClock {
  const u = process.cpuUsage();
  let mainMs = NaN;
  try {
    // The thread running this JavaScript (not always the process's first thread: `deno test`).
    const stat = Deno.readTextFileSync("/proc/thread-self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime (fields 14 and 15 of stat) in clock ticks of 10 ms.
    mainMs = (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    // Not Linux: no per-thread times.
  }
  return { processMs: (u.user + u.system) / 1000, mainMs };
}

/** CPU milliseconds between two clocks. */
export function cpuSince(a: CpuClock): CpuClock {
  const b = cpuClock();
  return { processMs: b.processMs - a.processMs, mainMs: b.mainMs - a.mainMs };
}

/** The load average now, as printed beside the measurements. */
export function loadLine(): string {
  const [one, five] = Deno.loadavg();
  return `load average ${formatFixed(one!, 2)} (1 min), ${formatFixed(five!, 2)} (5 min)`;
}

/** One line of the breakdown: what, wall and CPU milliseconds per unit. */
export interface ProfileRow {
  what: string;
  wallMs: number;
  cpuMs: number;
  mainMs: number;
}

/** Times `n` runs of `enqueue` followed by one flush of `pop`. */
async function timePasses(
  pop: Population,
  n: number,
  enqueue: () => void,
): Promise<{ wallMs: number; cpuMs: number; mainMs: number }> {
  enqueue();
  await pop.flush();
  const c = cpuClock();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) enqueue();
  await pop.flush();
  const cpu = cpuSince(c);
  return {
    wallMs: (performance.now() - t0) / n,
    cpuMs: cpu.processMs / n,
    mainMs: cpu.mainMs / n,
  };
}

/**
 * The breakdown of FOMAML meta-iterations of `w` at meta-batch `metaBatch` on `backend`: the
 * iteration of the backend's loop (`iterations` of them, one read), an inner step on a population
 * of the loop's inner batch (the support set when it divides batchSize, as the loop compacts it),
 * and an SGD step of batchSize samples (the query gradient pass's kernel, plus the update), each
 * per pass.
 */
export async function profileMetaTrain(
  backend: Backend,
  w: MetaTrainWorkload,
  pool: EpisodePool,
  o: { metaBatch: number; iterations: number; innerSteps: number },
): Promise<ProfileRow[]> {
  const spec = { widths: w.widths, loss: w.loss, batchSize: w.batchSize };
  const loop = await backend.createMetaLoop({
    method: "fomaml",
    ...spec,
    metaBatch: o.metaBatch,
    innerSteps: o.innerSteps,
    innerLr: w.innerLr,
    metaLr: 0.003,
  });
  const rng = new Rng(7);
  const ids = (n: number) => {
    const out = new Uint32Array(n * o.metaBatch);
    for (let i = 0; i < n; i++) out.set(drawIds(rng, o.metaBatch, pool.size), i * o.metaBatch);
    return out;
  };
  loop.run(pool.batch, pool.data, ids(1));
  await loop.read();
  const c = cpuClock();
  const t0 = performance.now();
  loop.run(pool.batch, pool.data, ids(o.iterations));
  await loop.read();
  const cpu = cpuSince(c);
  const n = o.iterations;
  const rows: ProfileRow[] = [{
    what: `meta-iteration of the loop (${n} in one read)`,
    wallMs: (performance.now() - t0) / n,
    cpuMs: cpu.processMs / n,
    mainMs: cpu.mainMs / n,
  }];
  loop.destroy();
  const S = pool.batch.supportSize;
  const innerBatch = S < w.batchSize && w.batchSize % S === 0 ? S : w.batchSize;
  for (
    const [what, batchSize] of [
      [`inner SGD step, batch ${innerBatch}`, innerBatch],
      [`SGD step, batch ${w.batchSize} (~ the query gradient pass)`, w.batchSize],
    ] as const
  ) {
    const pop = backend.createPopulation({ size: o.metaBatch, ...spec, batchSize });
    pop.init(1);
    const g = pool.gather(Array.from(ids(1)), batchSize);
    pop.setBatches(g.batches, g.numBatches);
    pop.setLabelMap(g.labelMap, g.labelMapWidth);
    pop.setKnobs({ lr: w.innerLr, optimizer: "sgd" });
    const data: BackendDataset = pool.data;
    rows.push({ what, ...(await timePasses(pop, 2 * o.innerSteps, () => pop.train(data, 1))) });
    pop.destroy();
  }
  return rows;
}

/** Prints the breakdown rows, indented. */
export function printProfile(metaBatch: number, rows: ProfileRow[]): void {
  console.log(`  meta-batch ${metaBatch}, gpu, FOMAML, where the time goes (per unit):`);
  for (const r of rows) {
    console.log(
      `    ${r.what}: ${formatFixed(r.wallMs, 1)} ms wall, ${
        formatFixed(r.cpuMs, 1)
      } CPU-ms (all threads), ${formatFixed(r.mainMs, 1)} CPU-ms on the main thread`,
    );
  }
}
