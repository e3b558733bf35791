/**
 * `deno task bench`: throughput of the fused train step on the GPU path and on the CPU twin, in the
 * same run, with their ratio; `--peers` adds TensorFlow.js (wasm) and PyTorch CPU on the same
 * workloads. `--out DIR` writes DIR/bench.csv.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic } from "../core/atomic.ts";
import { formatFixed, formatRate } from "../core/format.ts";
import { GpuUnavailableError } from "../core/gpu_context.ts";
import { CpuBackend } from "../learners/cpu_backend.ts";
import { GpuBackend } from "../learners/gpu/gpu_backend.ts";
import { KNOB_STRIDE, LEARNED_STRIDE } from "../learners/optimizers/knobs.ts";
import { METRIC_STRIDE } from "../learners/metrics_row.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { groupingKey, scratchStride } from "../learners/mlp/mlp_uniform.ts";
import { BENCH_HELP, type BenchOptions, parseBenchOptions } from "./bench_options.ts";
import { benchEpisodes } from "./episodes.ts";
import { benchMetaTrainMain } from "./metatrain_main.ts";
import { benchEvolvePeer, type EvolvePeer, printEvolution } from "./evolution.ts";
import { benchPbtPeer, printPbt } from "./pbt.ts";
import { printMetaTrainPeer } from "./peers_metatrain.ts";
import { bestPeer, measurePeers, peerBlasLines, type PeerResults } from "./peer_phase.ts";
import { measureRoofline } from "./roofline.ts";
import { benchTrainKernelsMain, WORKLOAD_META_INNER } from "./train_kernels.ts";
import {
  benchCallOverhead,
  benchMetaBatch,
  type BenchRow,
  benchTrain,
  median,
  type Workload,
  WORKLOAD_W,
  WORKLOAD_W2,
} from "./workloads.ts";

export { median };

/**
 * Bytes one model of a workload occupies on the GPU, as GpuPopulation allocates them: params and
 * optimizer moments, scratch, knobs, learned-optimizer weights, metrics, step count, and the batch
 * indices of 8 batch slots.
 */
export function bytesPerModel(w: Workload): number {
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  // Two parameter buffers (the train step reads one and writes the other), two moments.
  const floats = L.stride * 4 + scratchStride(L) + KNOB_STRIDE + LEARNED_STRIDE + METRIC_STRIDE + 1;
  return 4 * floats + 4 * 8 * w.batchSize;
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

/** The peer columns of the train-step table, in order. */
const PEER_COLUMNS = ["tfjs-wasm", "torch-cpu", "torch-cpu-autograd", "numpy-cpu"];

/** The backends of one run: the GPU (if any), the CPU twin, and whether the f16 path runs. */
interface Backends {
  gpu?: GpuBackend;
  cpu: CpuBackend;
  f16: boolean;
}

/** Measures every backend on workload `w` at population `P`; prints one table line. */
async function benchSize(
  w: Workload,
  P: number,
  b: Backends,
  peers: PeerResults | undefined,
  o: BenchOptions,
): Promise<BenchRow[]> {
  const { gpu, cpu, f16 } = b;
  // Each repetition measures every backend once, in turn; the median of each is reported.
  const gs: (BenchRow | undefined)[] = [];
  const hs: (BenchRow | undefined)[] = [];
  const cs: (BenchRow | undefined)[] = [];
  for (let r = 0; r < o.repeat; r++) {
    const g = gpu ? await fitting("gpu", () => benchTrain(gpu, w, P, o.seconds)) : undefined;
    gs.push(g);
    hs.push(
      f16 && g
        ? await fitting(
          "gpu-f16",
          () => benchTrain(gpu!, w, P, o.seconds, { inputPrecision: "f16" }),
        )
        : undefined,
    );
    cs.push(o.noCpu ? undefined : await benchTrain(cpu, w, P, o.seconds));
  }
  const [g, h, c] = [median(gs), median(hs), median(cs)];
  const peer = (name: string) => peers?.rows.find((r) => r.population === P && r.backend === name);
  const [tf, tm, ta, np] = PEER_COLUMNS.map(peer);
  const best = peers ? bestPeer(peers.rows, P) : undefined;
  const ratio = (x?: BenchRow, y?: BenchRow) =>
    x && y ? `${formatFixed(x.model_steps_per_s / y.model_steps_per_s, 2)}x` : "-";
  const cells = [
    String(P),
    formatRate(g?.model_steps_per_s ?? NaN),
    formatRate(g?.gflops ?? NaN, 2),
    ...(f16 ? [formatRate(h?.model_steps_per_s ?? NaN), ratio(h, g)] : []),
    formatRate(c?.model_steps_per_s ?? NaN),
    ...(peers ? [tf, tm, ta, np].map((r) => formatRate(r?.model_steps_per_s ?? NaN)) : []),
    ratio(g, c),
    ...(peers ? [ratio(g, tf), `${ratio(g, best)} (${best?.backend ?? "-"})`] : []),
  ];
  console.log(cells.join(" | "));
  return [g, h, c].filter((r): r is BenchRow => r !== undefined);
}

/** The roofline line of workload `w`: probe bounds and the best GPU row's share of them. */
async function printRoofline(gpu: GpuBackend, w: Workload, rows: BenchRow[]): Promise<void> {
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  const r = await measureRoofline(gpu.ctx, L);
  const a = r.accesses;
  const best = rows.filter((x) => x.workload === w.name && x.backend === "gpu")
    .reduce<BenchRow | undefined>(
      (m, x) => (m && m.model_steps_per_s >= x.model_steps_per_s ? m : x),
      undefined,
    );
  const int = (n: number) => Math.round(n).toLocaleString("en-US");
  const share = best
    ? `; best gpu (P=${best.population}) ${int(best.model_steps_per_s)} = ${
      formatFixed(100 * best.model_steps_per_s / Math.min(r.storageBound, r.computeBound), 0)
    }% of the lower bound`
    : "";
  const counts = `${w.name} per model-step: ${int(a.total)} storage accesses (${
    int(a.vec4)
  } of them vec4; forward ${int(a.forward)}, loss ${int(a.loss)}, backward ${
    int(a.backward)
  }, update ${int(a.update)}) and ${int(r.flopsPerStep)} FLOP`;
  if (!gpu.ctx.software) {
    // Measured on an H200: the probes read 7.7 G/s there, far below the hardware, and the train
    // step ran at 10x the "bound" they gave.
    console.log(
      `roofline: ${counts}; no bound printed: the rate probes (bench/roofline.ts) are sized for a software adapter and do not fill a hardware GPU`,
    );
    return;
  }
  console.log(
    `roofline (probes on this adapter, this run; bench/roofline.ts): storage reads ${
      formatFixed(r.readsPerSecond / 1e9, 2)
    } G/s (vec4 ${formatFixed(r.vec4ReadsPerSecond / 1e9, 2)} G/s), arithmetic ${
      formatFixed(r.flopsPerSecond / 1e9, 1)
    } GFLOP/s; ${counts}; bounds: storage ${int(r.storageBound)} model-steps/s, arithmetic ${
      int(r.computeBound)
    }${share}`,
  );
}

/** The train-step table of workload `w` (every size), then its roofline, call overhead and memory. */
async function benchWorkload(
  w: Workload,
  b: Backends,
  peers: PeerResults | undefined,
  o: BenchOptions,
): Promise<BenchRow[]> {
  console.log(
    `\nworkload ${w.name}: MLP ${
      w.widths.join("-")
    }, batch ${w.batchSize}, one SGD step per model-step`,
  );
  for (const line of peers ? [...peerBlasLines(peers.rows), ...peers.skipped] : []) {
    console.log(line);
  }
  if (o.f16 && !b.f16) console.log("gpu-f16 skipped: no adapter with the feature shader-f16");
  const header = [
    "P",
    "gpu",
    "GFLOP/s",
    ...(b.f16 ? ["gpu-f16", "f16/f32"] : []),
    "cpu-twin",
    ...(peers ? ["tfjs-wasm", "torch-cpu", "torch-autograd", "numpy-cpu"] : []),
    "gpu/cpu-twin",
    ...(peers ? ["gpu/tfjs", "gpu/best-peer"] : []),
  ];
  console.log(header.join(" | "));
  const rows: BenchRow[] = [];
  for (const P of o.sizes) rows.push(...await benchSize(w, P, b, peers, o));
  rows.push(...peers?.rows ?? []);
  if (b.gpu) {
    await printRoofline(b.gpu, w, rows);
    const oh = await benchCallOverhead(b.gpu, w, 64, 10);
    console.log(
      `one train(data, 1) call + flush on 64 ${w.name} models: ${
        formatFixed(oh.trainCallMs, 1)
      } ms (a flush alone: ${formatFixed(oh.flushMs, 1)} ms)`,
    );
  }
  const bpm = bytesPerModel(w);
  console.log(
    `memory: ${formatFixed(bpm / 1024, 1)} KiB per model on the GPU; largest population in a ` +
      `2 GiB budget: ${Math.floor(2 ** 31 / bpm)}; GPU awaits: 0 per train step (K steps per ` +
      `submit, one await per readback)`,
  );
  return rows;
}

/** Writes DIR/bench.csv: one row per measured (workload, backend, population). */
async function writeBenchCsv(dir: string, rows: BenchRow[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const csv = stringify(
    rows.map((r) => [
      r.workload,
      r.backend,
      r.population,
      formatFixed(r.model_steps_per_s, 1),
      formatFixed(r.gflops, 4),
      r.blas ?? "",
      r.threads ?? "",
      r.valid === undefined ? "" : r.valid ? "yes" : "no (reference BLAS)",
    ]),
    {
      header: true,
      columns: [
        "workload",
        "backend",
        "population",
        "model_steps_per_s",
        "gflops",
        "blas",
        "threads",
        "valid",
      ],
    },
  );
  const path = join(dir, "bench.csv");
  await writeFileAtomic(path, csv);
  console.log(`wrote ${path}`);
}

/** The optional benches: a meta-batch, a meta-evolution generation, episode sampling. */
async function benchExtras(
  b: Backends,
  o: BenchOptions,
  pbtPeer: Awaited<ReturnType<typeof benchPbtPeer>>,
  evolvePeer?: EvolvePeer,
): Promise<void> {
  const backends = [b.gpu, o.noCpu ? undefined : b.cpu].filter((x) => x !== undefined);
  if (o.metabatch) {
    for (const backend of backends) {
      const r = await benchMetaBatch(backend, 1024, o.seconds);
      console.log(
        `meta-batch (${r.backend}): 1024 5-way 1-shot tasks, 5 inner steps + query evaluation: ${
          formatRate(r.tasksPerSecond)
        } tasks/s (${formatFixed(r.secondsPerMetaBatch * 1000, 0)} ms per meta-batch${
          r.backend === "gpu" ? ", 1 GPU await" : ""
        })`,
      );
    }
  }
  if (o.evolve) await printEvolution(backends, o.seconds, o.repeat, evolvePeer);
  if (o.pbt) await printPbt(backends, o.sizes, o.seconds, pbtPeer);
  if (o.episodes) {
    const er = await benchEpisodes(b.gpu?.ctx);
    if (!er) {
      console.log("episode sampling: Fashion-MNIST not installed (dataset-fashion-mnist): skipped");
    }
    for (const r of er ?? []) {
      console.log(
        `episode sampling (${r.path}): ${r.episodes} 5-way 5-shot episodes on Fashion-MNIST in ${
          formatFixed(r.seconds * 1000, 1)
        } ms = ${formatRate(r.episodesPerSecond)} episodes/s`,
      );
    }
  }
}

/** Runs the benchmark from command-line arguments. */
export async function benchMain(args: string[]): Promise<number> {
  const parsed = parseBenchOptions(args);
  if ("error" in parsed) {
    console.error(parsed.error);
    return 2;
  }
  if ("help" in parsed) {
    console.log(BENCH_HELP);
    return 0;
  }
  const o = parsed.options;
  const workloads = o.w2 ? [WORKLOAD_W, WORKLOAD_W2] : [WORKLOAD_W];
  // The peer phase: before the adapter is requested, so no engine device is alive.
  const peers = new Map<string, PeerResults>();
  const metaPeers = o.peers && o.metatrain
    ? await printMetaTrainPeer([32, 256], o.seconds, o.out)
    : undefined;
  const pbtPeer = o.pbt && o.peers ? await benchPbtPeer(o.sizes, o.seconds) : "not requested";
  const evolvePeer = o.evolve && o.peers ? await benchEvolvePeer(o.seconds) : undefined;
  if (o.peers && !o.metatrain) {
    console.log("peer phase (no engine device alive yet)");
    for (const w of workloads) {
      peers.set(w.name, await measurePeers(w, o.sizes, o.seconds, o.repeat));
    }
  }
  let gpu: GpuBackend | undefined;
  try {
    gpu = await GpuBackend.create();
    console.log(gpu.describe());
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    console.log(`${e.message}: measuring the CPU twin only`);
  }
  const f16 = o.f16 && gpu !== undefined && gpu.ctx.shaderF16;
  const b: Backends = { gpu, cpu: new CpuBackend(), f16 };
  if (o.kernels) {
    return benchTrainKernelsMain(gpu, o.metatrain ? [WORKLOAD_META_INNER] : workloads, o);
  }
  if (o.metatrain) {
    const before = gpu?.ctx.software
      ? await GpuBackend.create(gpu.ctx, { trainKernel: "fused1", metaLoop: "per-model" })
      : undefined;
    // The per-model meta loop beside the factored one (learners/meta_train/lowrank_loop.ts).
    const perModel = gpu ? await GpuBackend.create(gpu.ctx, { metaLoop: "per-model" }) : undefined;
    const factored = gpu ? await GpuBackend.create(gpu.ctx, { metaLoop: "factored" }) : undefined;
    const cpu = o.noCpu ? undefined : b.cpu;
    const software = gpu?.ctx.software;
    // MAML's GPU loop with meta_hvp split over dispatches, where the default runs the CPU twin.
    const deviceMaml = software
      ? await GpuBackend.create(gpu!.ctx, { mamlOnSoftware: "device" })
      : undefined;
    const grouped: [string, GpuBackend][] = [];
    for (const grouping of gpu ? o.groupings : []) {
      const g = await GpuBackend.create(gpu?.ctx, { metaLoop: "per-model", grouping });
      grouped.push([groupingKey(grouping), g]);
    }
    return benchMetaTrainMain(gpu, cpu, o.seconds, metaPeers, {
      before,
      perModel,
      factored,
      deviceMaml,
      software,
      grouped,
    });
  }
  const rows: BenchRow[] = [];
  for (const w of workloads) rows.push(...await benchWorkload(w, b, peers.get(w.name), o));
  if (o.out) await writeBenchCsv(o.out, rows);
  await benchExtras(b, o, pbtPeer, evolvePeer);
  gpu?.destroy();
  return 0;
}

if (import.meta.main) Deno.exit(await benchMain(Deno.args));
