/**
 * The command line of `deno task bench`: its help text and its parsed, validated options.
 * @module
 */
import { parseArgs } from "node:util";
import { type MlpGrouping, parseGroupingKey } from "../learners/mlp/mlp_uniform.ts";

/** The help text of `deno task bench`. */
export const BENCH_HELP =
  `Usage: deno task bench [--sizes 64,256,1024,4096] [--seconds S] [--out DIR] [--peers]
                       [--no-cpu] [--episodes] [--w2] [--metabatch] [--evolve] [--f16]
                       [--repeat N] [--metatrain [--grouping MxR,...]] [--pbt] [--kernels]

Measures model-steps/s and GFLOP/s (6 * batch * sum(in*out) per model-step) of workload W
(MLP 32-64-5, batch 32, one SGD step per model-step) on the GPU path and the CPU twin, in the
same run, and their ratio.
  --peers     also TensorFlow.js (wasm backend), PyTorch CPU (batched matmul, manual gradients
              and autograd) and NumPy (batched matmul), on OpenBLAS, measured before the engine's
              adapter exists; skipped with a reason when missing (with --metatrain: the PyTorch
              FOMAML/Reptile peers, plain and factored, bench/peers_metatrain.py, on the CPU and,
              where the machine has a CUDA GPU, on it too; the engine's ratio to each, and with
              --out DIR/metatrain_peers.csv)
  --w2        also workload W2 (two hidden layers of 128)
  --episodes  episode sampling (5-way 5-shot, 1024 episodes, Fashion-MNIST)
  --metabatch a 5-way 1-shot meta-batch of 1024 tasks with 5 inner steps (tasks/s)
  --evolve    a meta-evolution generation, 16 strategies x 64 models (fitness, selection,
              crossover, mutation) with objective, neural, and neural fitness with 2 memetic
              train steps (generations/s; on the GPU also unbatched: one submit per command
              buffer), then one evolve meta-generation at default scale (16 genomes x 4
              training tasks; the GPU path vs the CPU twin, same genomes and seeds, alternating;
              with --peers: a batched PyTorch peer of the neural and memetic generations,
              bench/peers_evolve.py)
  --f16       also the GPU path with the data set's inputs stored as f16 (backend gpu-f16;
              needs the adapter feature shader-f16)
  --repeat N  measure every cell N times (1..9), the backends in turn, and report the median
              (default 1); steadier ratios on a machine whose speed drifts
  --pbt       a PBT round on W (20 SGD steps, losses read back, exploit and explore) at each
              size, in rounds/s (with --peers: a batched PyTorch peer, bench/peers_pbt.py)
  --no-cpu    skip the CPU twin (slow at large populations)
  --metatrain only meta-training throughput (FOMAML 5-way 1-shot, meta-batch 32 and 256): the
              meta loop vs a loop of step vs the per-iteration path before it, and the CPU twin
              (meta-iterations/s, tasks/s, CPU-ms and GPU awaits per meta-iteration, the load
              average), then where a GPU meta-iteration's time goes
  --grouping  with --metatrain: also the GPU per-model meta loop's FOMAML and Reptile rows with
              every population in each of these workgroup groupings (MxR: M models per workgroup,
              R invocations per model, powers of two, M x R <= 256; GpuBackendOptions.grouping),
              e.g. 1x64,1x128: a meta-batch of 32 or 256 models fills a small part of a large GPU
              in the hardware default of 32 invocations per model
  --kernels   only the train-step kernels of W (and W2 with --w2) on a software adapter: the
              tiled kernel and the fused step alternating, each round their cold compile time
              (train + evaluate pipelines) and model-steps/s at every size, then the medians and
              the storage accesses per model-step of each; with --metatrain instead of W, the
              inner steps of meta-training (196-64-64-5, batch 5: two hidden layers, mlp_fused2.ts)`;

/** The validated options of one bench run. */
export interface BenchOptions {
  /** Population sizes to measure. */
  sizes: number[];
  /** Minimum seconds per measurement. */
  seconds: number;
  /** Measurements per cell (the median is reported). */
  repeat: number;
  /** Folder for bench.csv. */
  out?: string;
  /** Also the peers (TensorFlow.js wasm, PyTorch CPU). */
  peers: boolean;
  /** Also workload W2. */
  w2: boolean;
  /** Skip the CPU twin. */
  noCpu: boolean;
  /** Also episode sampling. */
  episodes: boolean;
  /** Also a meta-batch. */
  metabatch: boolean;
  /** Also a meta-evolution generation. */
  evolve: boolean;
  /** Also the f16-input GPU path. */
  f16: boolean;
  /** Only meta-training throughput (bench/metatrain.ts). */
  metatrain: boolean;
  /** Also a PBT exploit/explore round (bench/pbt.ts). */
  pbt: boolean;
  /** Only the tiled and fused train-step kernels side by side (bench/train_kernels.ts). */
  kernels: boolean;
  /** With metatrain: the groupings of the extra per-model meta loop rows (none by default). */
  groupings: MlpGrouping[];
}

/** Parses bench arguments: the options, "help", or a one-line error message. */
export function parseBenchOptions(
  args: string[],
): { options: BenchOptions } | { help: true } | { error: string } {
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
        f16: { type: "boolean", default: false },
        metatrain: { type: "boolean", default: false },
        pbt: { type: "boolean", default: false },
        kernels: { type: "boolean", default: false },
        grouping: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    return { error: `bench: ${(e as Error).message.split("\n")[0]}` };
  }
  if (values.help) return { help: true };
  const sizes = values.sizes.split(",").map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 1 << 20)) {
    return {
      error: `bench: --sizes must be integers in [1, 1048576]: current value is ${values.sizes}`,
    };
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 600)) {
    return { error: `bench: --seconds must be in (0, 600]: current value is ${values.seconds}` };
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9) {
    return {
      error: `bench: --repeat must be an integer in [1, 9]: current value is ${values.repeat}`,
    };
  }
  const groupings = parseGroupings(values.grouping, values.metatrain);
  if (typeof groupings === "string") return { error: groupings };
  const { peers, w2, episodes, metabatch, evolve, f16, out } = values;
  return {
    options: {
      sizes,
      seconds,
      repeat,
      out,
      peers,
      w2,
      noCpu: values["no-cpu"],
      episodes,
      metabatch,
      evolve,
      f16,
      metatrain: values.metatrain,
      pbt: values.pbt,
      kernels: values.kernels,
      groupings,
    },
  };
}

/** The --grouping list (none when absent), or the one-line error. */
function parseGroupings(v: string | undefined, metatrain: boolean): MlpGrouping[] | string {
  if (v === undefined) return [];
  if (!metatrain) return `bench: --grouping needs --metatrain: current value is ${v}`;
  const keys = v.split(",");
  const groupings = keys.map(parseGroupingKey);
  if (groupings.some((g) => g === undefined) || new Set(keys).size < keys.length) {
    return `bench: --grouping must be distinct MxR pairs of powers of two with M x R <= 256, ` +
      `comma-separated: current value is ${v}`;
  }
  return groupings as MlpGrouping[];
}
