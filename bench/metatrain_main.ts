/**
 * `deno task bench --metatrain`'s section (bench/metatrain.ts measures one row): every meta-training
 * path at meta-batch 32 and 256 on the glyph (or Fashion-MNIST, or synthetic) and sinusoid
 * workloads, the ratios to the PyTorch peers, the CPU twin's arithmetic against its ceiling, the
 * factored loop's storage accesses, and where a GPU meta-iteration's time goes.
 * @module
 */
import type { Backend } from "../learners/backend.ts";
import { gpuLowrankApplies } from "../learners/meta_train/gpu_lowrank_loop.ts";
import { EpisodePool } from "../meta/few_shot/episode_pool.ts";
import { formatFixed, formatRate } from "../core/format.ts";
import { cpuCeilingLine } from "./meta_flops.ts";
import {
  benchMetaTrain,
  type MetaTrainBenchRow,
  type MetaTrainPath,
  ranLabel,
} from "./metatrain.ts";
import { loadLine, printProfile, profileMetaTrain } from "./metatrain_profile.ts";
import {
  BENCH_INNER_STEPS,
  metaTrainFamily,
  type MetaTrainWorkload,
  sinusoidWorkload,
} from "./metatrain_workloads.ts";
import {
  bestCpuPeerRate,
  type EngineMetaRow,
  type MetaTrainPeerRow,
  peerRatioLines,
} from "./peers_metatrain.ts";
import { lowrankAccesses } from "./roofline_lowrank.ts";

/** The backends of the rows besides the default GPU backend and the CPU twin. */
export interface MetaTrainLoops {
  /** GPU fused1 (the tiles for two hidden layers: the kernel before mlp_fused2.ts). */
  before?: Backend;
  perModel?: Backend;
  factored?: Backend;
  deviceMaml?: Backend;
  software?: boolean;
  /** The per-model loop in other groupings (bench --grouping), each with its key. */
  grouped?: [string, Backend][];
}

type Method = "fomaml" | "maml" | "reptile";
type MetaCase = [Backend | undefined, MetaTrainPath, Method, string];

/** The rows of one workload, in the printed order. */
function metaCases(gpu: Backend | undefined, cpu: Backend | undefined, l: MetaTrainLoops) {
  const cases: MetaCase[] = [
    [gpu, "composed", "fomaml", "gpu, FOMAML, per-iteration path before the meta loop"],
    [gpu, "steps", "fomaml", "gpu, FOMAML, loop of step (meta loop, one read per iteration)"],
    [l.before, "train", "fomaml", "gpu fused1 (tiles: before), FOMAML, MetaLearner.train"],
    [l.perModel, "train", "fomaml", "gpu, FOMAML, MetaLearner.train (per-model meta loop)"],
    [l.factored, "train", "fomaml", "gpu, FOMAML, MetaLearner.train (factored meta loop)"],
    [l.perModel, "train", "reptile", "gpu, Reptile, MetaLearner.train (per-model meta loop)"],
    [l.factored, "train", "reptile", "gpu, Reptile, MetaLearner.train (factored meta loop)"],
    [gpu, "train", "maml", "gpu, second-order MAML, MetaLearner.train (meta loop)"],
    [
      l.deviceMaml,
      "train",
      "maml",
      "gpu, second-order MAML, MetaLearner.train (meta loop, mamlOnSoftware device: split meta_hvp)",
    ],
  ];
  for (const [key, b] of l.grouped ?? []) {
    for (const [m, name] of [["fomaml", "FOMAML"], ["reptile", "Reptile"]] as const) {
      cases.push([b, "train", m, `gpu ${key}, ${name}, MetaLearner.train (per-model meta loop)`]);
    }
  }
  cases.push([cpu, "train", "fomaml", "cpu twin, FOMAML, MetaLearner.train"]);
  cases.push([cpu, "train", "reptile", "cpu twin, Reptile, MetaLearner.train"]);
  return cases;
}

/** Runs and prints every case of `w` at `metaBatch`; the engine rows for the peer ratios. */
async function runCases(
  w: MetaTrainWorkload,
  metaBatch: number,
  minSeconds: number,
  cases: MetaCase[],
  l: MetaTrainLoops,
): Promise<EngineMetaRow[]> {
  const grouped = new Set((l.grouped ?? []).map(([, b]) => b));
  let base: MetaTrainBenchRow | undefined;
  const engine: EngineMetaRow[] = [];
  for (const [b, path, method, label] of cases) {
    if (!b) continue;
    if (b === l.factored && !factoredServes(w, method, metaBatch, l.software)) {
      const why = "not run, its inner kernel exceeds this adapter's loop budget";
      console.log(`  meta-batch ${metaBatch}, ${label}: ${why}`);
      continue;
    }
    const r = await benchMetaTrain(b, w, { path, metaBatch, minSeconds, method }).catch((e) => {
      // A grouping the adapter cannot run this shape in (a software adapter's loop budget).
      if (!(grouped.has(b) && e instanceof RangeError)) throw e;
      console.log(`  meta-batch ${metaBatch}, ${label}: not run, ${e.message}`);
    });
    if (!r) continue;
    if (path === "composed") base = r;
    const shown = ranLabel(label, b, r);
    printRow(metaBatch, shown, r, base);
    engine.push({
      label: shown,
      algorithm: method,
      tasksPerSecond: r.tasksPerSecond,
      cpuMsPerIteration: r.cpuMsPerIteration,
    });
  }
  return engine;
}

/**
 * Prints the `--metatrain` section of `deno task bench`: every path at meta-batch 32 and 256, then
 * where a GPU meta-iteration's time goes (bench/metatrain_profile.ts), with the load average.
 */
export async function benchMetaTrainMain(
  gpu: Backend | undefined,
  cpu: Backend | undefined,
  minSeconds: number,
  peers: MetaTrainPeerRow[] = [],
  loops: MetaTrainLoops = {},
): Promise<number> {
  console.log(
    `\nmeta-training throughput; ${loadLine()}; CPU-ms: CPU time of every thread. The GPU meta ` +
      `loop and its CPU twin run the inner steps on each support set once when it divides the ` +
      `batch (learners/meta_train/gpu_loop_pops.ts, cpu_meta_loop.ts: the same update); the ` +
      `per-iteration path steps over the whole batch`,
  );
  const cases = metaCases(gpu, cpu, loops);
  for (const w of [await metaTrainFamily(), sinusoidWorkload()]) {
    console.log(
      `\nmeta-training on ${w.name}, MLP ${w.widths.join("-")}, batch ${w.batchSize}, ` +
        `5 inner SGD steps + query gradient + Adam meta-update per task, pool of 512 episodes`,
    );
    for (const metaBatch of [32, 256]) {
      const engine = await runCases(w, metaBatch, minSeconds, cases, loops);
      for (const l of peerRatioLines(peers, w.widths, metaBatch, engine)) console.log(l);
      const twin = engine.find((e) => e.label === "cpu twin, FOMAML, MetaLearner.train");
      if (twin) {
        const peer = bestCpuPeerRate(peers, w.widths, metaBatch, "fomaml");
        console.log(await cpuCeilingLine(w, twin.tasksPerSecond, peer));
      }
      if (metaBatch === 32 && loops.factored) printLowrankAccesses(w);
      if (gpu) {
        const pool = new EpisodePool(gpu, w.family, 1, 512);
        const o = { metaBatch, iterations: metaBatch > 64 ? 4 : 16, innerSteps: BENCH_INNER_STEPS };
        // The per-model loop's breakdown (its inner and query steps are population train steps).
        printProfile(metaBatch, await profileMetaTrain(loops.perModel ?? gpu, w, pool, o));
        pool.destroy();
      }
    }
  }
  console.log(`\n${loadLine()}`);
  return 0;
}

/** One printed row: the rates, CPU time and awaits, and the ratios to the first row (`base`). */
function printRow(
  metaBatch: number,
  label: string,
  r: MetaTrainBenchRow,
  base?: MetaTrainBenchRow,
) {
  const ratio = base && base !== r && base.itersPerSecond > 0
    ? `, ${formatRate(r.itersPerSecond / base.itersPerSecond, 2)}x the first (CPU time ${
      formatRate(base.cpuMsPerIteration / r.cpuMsPerIteration, 2)
    }x)`
    : "";
  console.log(
    `  meta-batch ${metaBatch}, ${label}: ${formatRate(r.itersPerSecond, 2)} meta-iterations/s, ` +
      `${formatRate(r.tasksPerSecond)} tasks/s, ${formatFixed(r.cpuMsPerIteration, 1)} CPU-ms ` +
      `and ${formatRate(r.awaitsPerIteration, 2)} GPU awaits per meta-iteration ` +
      `(${r.iterations} iterations${ratio})`,
  );
}

/** Whether the factored meta loop runs the workload (not past a software adapter's loop budget). */
function factoredServes(
  w: MetaTrainWorkload,
  method: "fomaml" | "maml" | "reptile",
  metaBatch: number,
  software = false,
): boolean {
  const { widths, batchSize, loss } = w;
  const spec = {
    method,
    widths,
    batchSize,
    loss,
    metaBatch,
    innerSteps: BENCH_INNER_STEPS,
    innerLr: 0,
    metaLr: 0,
  };
  return gpuLowrankApplies(spec, software, w.family.sampleEpisodes(0, 1).supportSize);
}

/** The storage accesses per task of a factored meta-iteration beside the per-model loop's. */
function printLowrankAccesses(w: MetaTrainWorkload): void {
  for (const fomaml of [true, false]) {
    const support = w.family.sampleEpisodes(0, 1).supportSize;
    const a = lowrankAccesses(w.widths, {
      support,
      batch: w.batchSize,
      steps: 5,
      fomaml,
      loss: w.loss,
    });
    const name = fomaml ? "FOMAML" : "Reptile";
    if (!a) {
      console.log(
        `  ${name} factored storage accesses: not counted (scalar path or > 8 support rows)`,
      );
      continue;
    }
    const n = (x: number) => Math.round(x).toLocaleString("en-US");
    console.log(
      `  ${name} storage accesses per task and meta-iteration (bench/roofline_lowrank.ts): ` +
        `factored ${n(a.total)} (project ${n(a.project)}, inner steps ${n(a.innerSteps)}, ` +
        `query pass ${n(a.queryPass)}, outer ${n(a.outer)}) against the per-model loop's ` +
        `${n(a.perModel)}; per model-step ${n(a.total / 5)} against ${n(a.perModel / 5)}`,
    );
  }
}
