/**
 * `deno task bench`: throughput of the fused train step on the GPU path and on the CPU twin, in the
 * same run, with their ratio; `--peers` adds TensorFlow.js (wasm) and PyTorch CPU on the same
 * workloads. `--out DIR` writes DIR/bench.csv.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic } from "../core/atomic.ts";
import { GpuUnavailableError } from "../core/gpu_context.ts";
import { CpuBackend } from "../learners/cpu_backend.ts";
import { GpuBackend } from "../learners/gpu/gpu_backend.ts";
import { KNOB_STRIDE, LEARNED_STRIDE } from "../learners/optimizers/knobs.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { scratchStride } from "../learners/mlp/mlp_uniform.ts";
import { benchEpisodes } from "./episodes.ts";
import { benchMetaTrainMain } from "./metatrain.ts";
import { benchEvolution, EVOLVE_MODELS, EVOLVE_STRATEGIES } from "./evolution.ts";
import { benchTfjsWasm, benchTorchCpu } from "./peers.ts";
import { measureRoofline } from "./roofline.ts";
import {
  benchCallOverhead,
  benchMetaBatch,
  type BenchRow,
  benchTrain,
  type Workload,
  WORKLOAD_W,
  WORKLOAD_W2,
} from "./workloads.ts";

const HELP = `Usage: deno task bench [--sizes 64,256,1024,4096] [--seconds S] [--out DIR] [--peers]
                       [--no-cpu] [--episodes] [--w2] [--metabatch] [--evolve] [--f16]
                       [--repeat N] [--metatrain]

Measures model-steps/s and GFLOP/s (6 * batch * sum(in*out) per model-step) of workload W
(MLP 32-64-5, batch 32, one SGD step per model-step) on the GPU path and the CPU twin, in the
same run, and their ratio.
  --peers     also TensorFlow.js (wasm backend) and PyTorch CPU (python3-torch; batched matmul
              with manual gradients and with autograd), skipped with a reason when missing
  --w2        also workload W2 (two hidden layers of 128)
  --episodes  episode sampling (5-way 5-shot, 1024 episodes, Fashion-MNIST)
  --metabatch a 5-way 1-shot meta-batch of 1024 tasks with 5 inner steps (tasks/s)
  --evolve    a meta-evolution generation, 16 strategies x 64 models (fitness, selection,
              crossover, mutation) with objective and with neural fitness (generations/s)
  --f16       also the GPU path with the data set's inputs stored as f16 (backend gpu-f16;
              needs the adapter feature shader-f16)
  --repeat N  measure every cell N times (1..9), the backends in turn, and report the median
              (default 1); steadier ratios on a machine whose speed drifts
  --no-cpu    skip the CPU twin (slow at large populations)
  --metatrain only meta-training throughput (FOMAML 5-way 1-shot, meta-batch 32 and 256): the
              meta loop vs a loop of step vs the per-iteration path before it, and the CPU twin
              (meta-iterations/s, tasks/s, GPU awaits per meta-iteration)`;

function fmt(n: number, digits = 1): string {
  return !Number.isFinite(n) ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/**
 * Bytes one model of a workload occupies on the GPU, as GpuPopulation allocates them: params and
 * optimizer moments, scratch, knobs, learned-optimizer weights, metrics, step count, and the batch
 * indices of 8 batch slots.
 */
export function bytesPerModel(w: Workload): number {
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  // Two parameter buffers (the train step reads one and writes the other), two moments.
  const floats = L.stride * 4 + scratchStride(L) + KNOB_STRIDE + LEARNED_STRIDE + 4 + 1;
  return 4 * floats + 4 * 8 * w.batchSize;
}

/** The row with the median throughput (the lower middle one for an even count); undefined if none. */
export function median(rows: (BenchRow | undefined)[]): BenchRow | undefined {
  const got = rows.filter((r): r is BenchRow => r !== undefined)
    .sort((a, b) => a.model_steps_per_s - b.model_steps_per_s);
  return got[Math.floor((got.length - 1) / 2)];
}

/**
 * Runs one measurement of `backend`; a population too large for it (a GPU buffer over the
 * device's size limit, TensorFlow.js tensors over its wasm memory) is reported as skipped with the
 * reason, and the benchmark goes on.
 */
async function fitting(
  backend: string,
  run: () => Promise<BenchRow>,
): Promise<BenchRow | undefined> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    console.log(`${backend} skipped: ${e.message}`);
    return undefined;
  }
}

/** Runs the benchmark from command-line arguments. */
export async function benchMain(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        sizes: { type: "string", default: "64,256,1024,4096" },
        seconds: { type: "string", default: "1.5" },
        repeat: { type: "string", default: "1" },
        out: { type: "string" },
        peers: { type: "boolean", default: false },
        w2: { type: "boolean", default: false },
        "no-cpu": { type: "boolean", default: false },
        episodes: { type: "boolean", default: false },
        metabatch: { type: "boolean", default: false },
        evolve: { type: "boolean", default: false },
        metatrain: { type: "boolean", default: false },
        f16: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    console.error(`bench: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const sizes = values.sizes.split(",").map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 1 << 20)) {
    console.error(
      `bench: --sizes must be integers in [1, 1048576]: current value is ${values.sizes}`,
    );
    return 2;
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 600)) {
    console.error(`bench: --seconds must be in (0, 600]: current value is ${values.seconds}`);
    return 2;
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9) {
    console.error(
      `bench: --repeat must be an integer in [1, 9]: current value is ${values.repeat}`,
    );
    return 2;
  }
  let gpu: GpuBackend | undefined;
  try {
    gpu = await GpuBackend.create();
    console.log(gpu.describe());
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    console.log(`No WebGPU adapter (${e.message}): measuring the CPU twin only`);
  }
  const cpu = new CpuBackend();
  if (values.metatrain) return benchMetaTrainMain(gpu, values["no-cpu"] ? undefined : cpu, seconds);
  const rows: BenchRow[] = [];
  const workloads = values.w2 ? [WORKLOAD_W, WORKLOAD_W2] : [WORKLOAD_W];
  for (const w of workloads) {
    console.log(
      `\nworkload ${w.name}: MLP ${
        w.widths.join("-")
      }, batch ${w.batchSize}, one SGD step per model-step`,
    );
    let torch: BenchRow[] | string = "not requested";
    if (values.peers) {
      const runs: BenchRow[][] = [];
      for (let r = 0; r < repeat; r++) {
        const t = await benchTorchCpu(w, sizes, seconds);
        if (typeof t === "string") {
          torch = t;
          break;
        }
        runs.push(t);
      }
      if (runs.length > 0) {
        torch = runs[0]!.map((row) =>
          median(
            runs.map((run) =>
              run.find((x) => x.population === row.population && x.backend === row.backend)
            ),
          )!
        );
      }
    }
    if (typeof torch === "string" && values.peers) console.log(`torch-cpu skipped: ${torch}`);
    const f16 = values.f16 && gpu !== undefined && gpu.ctx.shaderF16;
    if (values.f16 && !f16) console.log("gpu-f16 skipped: no adapter with the feature shader-f16");
    const header = [
      "P",
      "gpu",
      "GFLOP/s",
      ...(f16 ? ["gpu-f16", "f16/f32"] : []),
      "cpu-twin",
      ...(values.peers ? ["tfjs-wasm", "torch-cpu", "torch-autograd"] : []),
      "gpu/cpu-twin",
      ...(values.peers ? ["gpu/tfjs", "gpu/torch"] : []),
    ];
    console.log(header.join(" | "));
    for (const P of sizes) {
      // Each repetition measures every backend once, in turn; the median of each is reported.
      const gs: (BenchRow | undefined)[] = [];
      const hs: (BenchRow | undefined)[] = [];
      const cs: (BenchRow | undefined)[] = [];
      const tfs: (BenchRow | undefined)[] = [];
      for (let r = 0; r < repeat; r++) {
        const g = gpu ? await fitting("gpu", () => benchTrain(gpu!, w, P, seconds)) : undefined;
        gs.push(g);
        hs.push(
          f16 && g
            ? await fitting(
              "gpu-f16",
              () => benchTrain(gpu!, w, P, seconds, { inputPrecision: "f16" }),
            )
            : undefined,
        );
        cs.push(values["no-cpu"] ? undefined : await benchTrain(cpu, w, P, seconds));
        tfs.push(
          values.peers ? await fitting("tfjs-wasm", () => benchTfjsWasm(w, P, seconds)) : undefined,
        );
      }
      const [g, h, c, tf] = [median(gs), median(hs), median(cs), median(tfs)];
      const tm = Array.isArray(torch)
        ? torch.find((r) => r.population === P && r.backend === "torch-cpu")
        : undefined;
      const ta = Array.isArray(torch)
        ? torch.find((r) => r.population === P && r.backend === "torch-cpu-autograd")
        : undefined;
      for (const r of [g, h, c, tf, tm, ta]) if (r) rows.push(r);
      const ratio = (
        a?: BenchRow,
        b?: BenchRow,
      ) => (a && b ? `${(a.model_steps_per_s / b.model_steps_per_s).toFixed(2)}x` : "-");
      const cells = [
        String(P),
        fmt(g?.model_steps_per_s ?? NaN),
        fmt(g?.gflops ?? NaN, 2),
        ...(f16 ? [fmt(h?.model_steps_per_s ?? NaN), ratio(h, g)] : []),
        fmt(c?.model_steps_per_s ?? NaN),
        ...(values.peers
          ? [
            fmt(tf?.model_steps_per_s ?? NaN),
            fmt(tm?.model_steps_per_s ?? NaN),
            fmt(ta?.model_steps_per_s ?? NaN),
          ]
          : []),
        ratio(g, c),
        ...(values.peers ? [ratio(g, tf), ratio(g, tm)] : []),
      ];
      console.log(cells.join(" | "));
    }
    if (gpu) {
      const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
      const r = await measureRoofline(gpu.ctx, L);
      const a = r.accesses;
      const best = rows.filter((x) => x.workload === w.name && x.backend === "gpu")
        .reduce<BenchRow | undefined>(
          (m, x) => (m && m.model_steps_per_s >= x.model_steps_per_s ? m : x),
          undefined,
        );
      const int = (n: number) => Math.round(n).toLocaleString("en-US");
      console.log(
        `roofline (probes on this adapter, this run; bench/roofline.ts): storage reads ${
          (r.readsPerSecond / 1e9).toFixed(2)
        } G/s (vec4 ${(r.vec4ReadsPerSecond / 1e9).toFixed(2)} G/s), arithmetic ${
          (r.flopsPerSecond / 1e9).toFixed(1)
        } GFLOP/s; ${w.name} per model-step: ${int(a.total)} storage accesses (${
          int(a.vec4)
        } of them vec4; forward ${int(a.forward)}, loss ${int(a.loss)}, backward ${
          int(a.backward)
        }, update ${int(a.update)}) and ${int(r.flopsPerStep)} FLOP; bounds: storage ${
          int(r.storageBound)
        } model-steps/s, arithmetic ${int(r.computeBound)}${
          best
            ? `; best gpu (P=${best.population}) ${int(best.model_steps_per_s)} = ${
              (100 * best.model_steps_per_s / Math.min(r.storageBound, r.computeBound)).toFixed(0)
            }% of the lower bound`
            : ""
        }`,
      );
    }
    if (gpu) {
      const o = await benchCallOverhead(gpu, w, 64, 10);
      console.log(
        `one train(data, 1) call + flush on 64 ${w.name} models: ${
          o.trainCallMs.toFixed(1)
        } ms (a flush alone: ${o.flushMs.toFixed(1)} ms)`,
      );
    }
    const bpm = bytesPerModel(w);
    console.log(
      `memory: ${
        (bpm / 1024).toFixed(1)
      } KiB per model on the GPU; largest population in a 2 GiB budget: ${
        Math.floor(2 ** 31 / bpm)
      }; GPU awaits: 0 per train step (K steps per submit, one await per readback)`,
    );
  }
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    const csv = stringify(
      rows.map((
        r,
      ) => [
        r.workload,
        r.backend,
        r.population,
        r.model_steps_per_s.toFixed(1),
        r.gflops.toFixed(4),
      ]),
      {
        header: true,
        columns: ["workload", "backend", "population", "model_steps_per_s", "gflops"],
      },
    );
    const path = join(values.out, "bench.csv");
    await writeFileAtomic(path, csv);
    console.log(`wrote ${path}`);
  }
  if (values.metabatch) {
    for (const b of [gpu, values["no-cpu"] ? undefined : cpu]) {
      if (!b) continue;
      const r = await benchMetaBatch(b, 1024, seconds);
      console.log(
        `meta-batch (${r.backend}): 1024 5-way 1-shot tasks, 5 inner steps + query evaluation: ${
          fmt(r.tasksPerSecond)
        } tasks/s (${(r.secondsPerMetaBatch * 1000).toFixed(0)} ms per meta-batch${
          r.backend === "gpu" ? ", 1 GPU await" : ""
        })`,
      );
    }
  }
  if (values.evolve) {
    for (const fitness of ["objective", "neural"] as const) {
      for (const b of [gpu, values["no-cpu"] ? undefined : cpu]) {
        if (!b) continue;
        const r = await benchEvolution(b, fitness, seconds);
        console.log(
          `evolution generation (${r.backend}, ${fitness} fitness, ${EVOLVE_STRATEGIES} strategies x ${EVOLVE_MODELS} models, ${r.dim} parameters): ${
            fmt(r.generationsPerSecond)
          } generations/s, ${r.awaitsPerGeneration.toFixed(3)} GPU awaits and ${
            r.submitsPerGeneration.toFixed(2)
          } submits per generation`,
        );
      }
    }
  }
  if (values.episodes) {
    const er = await benchEpisodes(gpu?.ctx);
    if (!er) {
      console.log("episode sampling: Fashion-MNIST not installed (dataset-fashion-mnist): skipped");
    }
    for (const r of er ?? []) {
      console.log(
        `episode sampling (${r.path}): ${r.episodes} 5-way 5-shot episodes on Fashion-MNIST in ${
          (r.seconds * 1000).toFixed(1)
        } ms = ${fmt(r.episodesPerSecond)} episodes/s`,
      );
    }
  }
  gpu?.destroy();
  return 0;
}

if (import.meta.main) Deno.exit(await benchMain(Deno.args));
