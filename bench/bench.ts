/**
 * `deno task bench`: throughput of the fused train step on the GPU path and on the CPU twin, in the
 * same run, with their ratio. `--out DIR` writes DIR/bench.csv.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import { GpuUnavailableError } from "../core/gpu_context.ts";
import { CpuBackend } from "../learners/cpu_backend.ts";
import { GpuBackend } from "../learners/gpu_backend.ts";
import { benchEpisodes } from "./episodes.ts";
import { type BenchRow, benchTrain, WORKLOAD_W } from "./workloads.ts";

const HELP =
  `Usage: deno task bench [--sizes 64,256,1024,4096] [--seconds S] [--out DIR] [--no-cpu] [--episodes]

Measures model-steps/s and GFLOP/s (6 * batch * sum(in*out) per model-step) of workload W
(MLP 32-64-5, batch 32, one SGD step per model-step) on the GPU path and the CPU twin.
--episodes also measures episode sampling (5-way 5-shot, 1024 episodes, Fashion-MNIST).`;

function fmt(n: number, digits = 1): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
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
        out: { type: "string" },
        "no-cpu": { type: "boolean", default: false },
        episodes: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
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
  let gpu: GpuBackend | undefined;
  try {
    gpu = await GpuBackend.create();
    console.log(gpu.describe());
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    console.log(`No WebGPU adapter (${e.message}): measuring the CPU twin only`);
  }
  const cpu = new CpuBackend();
  const rows: BenchRow[] = [];
  console.log(`workload W ${WORKLOAD_W.widths.join("-")}, batch ${WORKLOAD_W.batchSize}, SGD`);
  console.log(
    "population | gpu model-steps/s | gpu GFLOP/s | cpu-twin model-steps/s | cpu-twin GFLOP/s | gpu/cpu",
  );
  for (const P of sizes) {
    const g = gpu ? await benchTrain(gpu, WORKLOAD_W, P, seconds) : undefined;
    const c = values["no-cpu"] ? undefined : await benchTrain(cpu, WORKLOAD_W, P, seconds);
    if (g) rows.push(g);
    if (c) rows.push(c);
    const ratio = g && c ? `${(g.model_steps_per_s / c.model_steps_per_s).toFixed(2)}x` : "-";
    console.log(
      `${P} | ${g ? fmt(g.model_steps_per_s) : "-"} | ${g ? fmt(g.gflops, 2) : "-"} | ${
        c ? fmt(c.model_steps_per_s) : "-"
      } | ${c ? fmt(c.gflops, 2) : "-"} | ${ratio}`,
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
    await Deno.writeTextFile(path + ".tmp", csv);
    await Deno.rename(path + ".tmp", path);
    console.log(`wrote ${path}`);
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
