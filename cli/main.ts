/**
 * The `metaforge` command line: `train`, `bench`, `info`, `report`, `list`. Every command takes
 * `--help`. Bad flags or config exit with code 2 and one line naming the problem; nothing is
 * written before the config is valid.
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, readConfigFile } from "../core/config_schema.ts";
import { formatNumber } from "../core/format.ts";
import { InputError } from "../core/input_error.ts";
import { prepareRun } from "../core/run_prepare.ts";
import { RunInterrupted } from "../core/run_stop.ts";
import { WriteError } from "../core/write_error.ts";
import { DeviceLostError } from "../core/device_lost.ts";
import { reportBug, stopMessage } from "./stop_message.ts";
export { reportBug };
import {
  type Experiment,
  getExperiment,
  listExperiments,
  renderRun,
  resolveConfig,
  RUN_INFO_FILE,
  runExperiment,
  type Scale,
  SCALES,
} from "../core/experiment.ts";
import { GpuContext, GpuUnavailableError, WANTED_LIMITS } from "../core/gpu_context.ts";
import { benchMain } from "../bench/bench.ts";
import { kernelsCommand } from "./kernels.ts";
import { dataCommand } from "./data.ts";
import { withCluster, workerCommand } from "./worker.ts";
import "./experiments.ts";
import { cpuThreads } from "../learners/meta_train/helper_pool.ts";

const USAGE = `Usage: metaforge <command> [options]

Commands:
  train [NAME...]   run the experiment suite (every registered experiment), or the named ones
  evolve            run the meta-evolution experiment (same options as train)
  l2o               run the learned-optimizer experiment (same options as train)
  bench             throughput of the GPU path and the CPU twin (deno task bench --help)
  info              WebGPU adapter, limits, backend and versions
  report RUN_DIR    re-render plots, report.md and dashboard.html of a run folder
  list              list the registered experiments
  kernels --dump S  the composed WGSL of the train-step and evaluate kernels for widths S
  data glyphs       build the glyph few-shot benchmark from Debian's fonts (--report: difficulty)
  worker            a cluster worker: runs the jobs of train --cluster runs (NATS JetStream)

Run 'metaforge <command> --help' for a command's options.`;

const TRAIN_HELP = `Usage: metaforge train [NAME...] [options]

Runs every registered experiment (or the named ones) and writes one run folder per experiment
under --out: config.json, metrics.csv, summary.json, plots/*.svg, report.md, dashboard.html.

Options:
  --config FILE     JSON config merged over the scale preset (one experiment: its fields;
                    several: { "<name>": {...} })
  --seed N          run seed, integer in [0, 4294967295] (default 0)
  --out DIR         parent folder of the run folders (default runs)
  --backend B       gpu | cpu | auto (auto: the GPU when an adapter exists; default: each
                    experiment's config, auto in every built-in experiment)
  --scale S         smoke | default | full (default default)
  --quiet           no progress output
  --strategies FILE strategies.json from an evolve run: the evolve experiment runs base
                    evolution with its universal best on the held-out tasks (no meta-training)
  --resume RUN_DIR  continue a run (killed at any point) from its last checkpoint; it ends with
                    the same results as a run never interrupted
  --cluster URL     nats://HOST:PORT: independent units run as jobs on the workers of that
                    NATS JetStream server (metaforge worker): evolve's scoring runs, meta's
                    setting x seed x method runs, l2o's ES/REINFORCE unrolls (one job per
                    task); same results
  -h, --help        this help`;

/** Thrown for bad command-line input; exits with code 2. */
class UsageError extends InputError {}

function parseSeed(v: string | undefined): number {
  if (v === undefined) return 0;
  // Number("") and Number(" ") are 0: a seed must be written out.
  const n = /^\s*$/.test(v) ? NaN : Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new UsageError(
      `Invalid --seed: must be an integer in [0, 4294967295]: current value is ${
        v.trim() === "" ? JSON.stringify(v) : v
      }`,
    );
  }
  return n;
}

/** The flags that shape each experiment's raw config. */
interface PlanFlags {
  config?: string;
  backend?: string;
  strategies?: string;
}

/**
 * Each experiment's raw config: its section of the config file (the whole file for one
 * experiment), then --backend and --strategies. Throws on a file that is not an object or names
 * an experiment not being run.
 */
function planConfigs(
  experiments: Experiment<unknown>[],
  fileConfig: unknown,
  flags: PlanFlags,
): { exp: Experiment<unknown>; raw: Record<string, unknown> }[] {
  const plans = experiments.map((exp) => {
    let raw: Record<string, unknown> = {};
    if (fileConfig !== undefined) {
      if (typeof fileConfig !== "object" || fileConfig === null || Array.isArray(fileConfig)) {
        throw new ConfigError(`Invalid config file ${flags.config}: must be a JSON object`, {
          field: "",
          source: flags.config,
        });
      }
      const section = experiments.length > 1
        ? (fileConfig as Record<string, unknown>)[exp.name]
        : fileConfig;
      raw = section === undefined ? {} : { ...(section as Record<string, unknown>) };
    }
    // --backend overrides the config; without it each experiment uses its config's backend
    // (default auto, or the CPU twins where an experiment measured them faster).
    if (flags.backend !== undefined) raw.backend = flags.backend;
    // --strategies sets the evolve experiment's `strategies` field (a learned strategy file).
    if (flags.strategies !== undefined && exp.name === "evolve") {
      raw.strategies = flags.strategies;
    }
    return { exp, raw };
  });
  if (fileConfig !== undefined && experiments.length > 1) {
    const names = new Set(experiments.map((e) => e.name));
    for (const key of Object.keys(fileConfig as object)) {
      if (!names.has(key)) {
        throw new ConfigError(
          `Invalid config field "${key}" in ${flags.config}: must be one of ${
            [...names].join(", ")
          }`,
          { field: key, source: flags.config },
        );
      }
    }
  }
  return plans;
}

async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      seed: { type: "string" },
      out: { type: "string", default: "runs" },
      backend: { type: "string" },
      scale: { type: "string", default: "default" },
      quiet: { type: "boolean", default: false },
      resume: { type: "string" },
      strategies: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  if (values.backend !== undefined && !["auto", "gpu", "cpu"].includes(values.backend)) {
    throw new UsageError(
      `Invalid --backend: must be gpu, cpu or auto: current value is ${values.backend}`,
    );
  }
  // The thread count of the CPU twins (METAFORGE_CPU_THREADS), checked before anything is written.
  cpuThreads();
  if (values.resume !== undefined) {
    return await resumeRun(positionals, { ...values, resume: values.resume });
  }
  const seed = parseSeed(values.seed);
  if (values.out.trim() === "") {
    throw new UsageError(
      `Invalid --out: must be a folder path: current value is ${JSON.stringify(values.out)}`,
    );
  }
  if (!SCALES.includes(values.scale as Scale)) {
    throw new UsageError(
      `Invalid --scale: must be smoke, default or full: current value is ${values.scale}`,
    );
  }
  const experiments = positionals.length > 0
    ? positionals.map((n) => getExperiment(n))
    : listExperiments();
  if (values.strategies !== undefined) checkStrategies(experiments);
  const fileConfig = values.config ? await readConfigFile(values.config) : undefined;
  const plans = planConfigs(experiments, fileConfig, values);
  const options = (raw: Record<string, unknown>) => ({
    rawConfig: raw,
    source: values.config ?? "command line",
    scale: values.scale as Scale,
    seed,
    outDir: values.out,
    quiet: values.quiet,
  });
  // Every experiment's config, then its input files and the output folder, are checked before
  // any of them runs or writes anything.
  for (const { exp, raw } of plans) resolveConfig(exp, options(raw));
  const prepared = [];
  for (const { exp, raw } of plans) prepared.push(await prepareRun(exp, options(raw)));
  for (const [i, { exp, raw }] of plans.entries()) {
    const outcome = await runExperiment(exp, { ...options(raw), prepared: prepared[i] });
    printOutcome(exp.name, outcome.dir, outcome.summary);
  }
  return 0;
}

/** Checks that --strategies goes to an evolve run (the file itself is read by evolve's prepare). */
function checkStrategies(experiments: { name: string }[]): void {
  if (!experiments.some((e) => e.name === "evolve")) {
    throw new UsageError(
      `Invalid --strategies: only the evolve experiment takes a strategies file: current experiments are ${
        experiments.map((e) => e.name).join(", ")
      }`,
    );
  }
}

/**
 * Continues the run in `flags.resume` from its last checkpoint (its experiment, config and seed;
 * `--backend` may move it to another backend, for example the CPU twin after a lost GPU device).
 */
async function resumeRun(
  positionals: string[],
  flags: { resume: string; quiet: boolean; backend?: string },
): Promise<number> {
  const dir = flags.resume;
  let info: { experiment?: unknown };
  try {
    info = JSON.parse(await Deno.readTextFile(join(dir, RUN_INFO_FILE)));
  } catch (e) {
    throw new UsageError(
      `Invalid --resume: must be a run folder holding ${RUN_INFO_FILE}: ${
        (e as Error).message.split("\n")[0]
      }`,
    );
  }
  const name = String(info.experiment);
  if (positionals.length > 0 && (positionals.length > 1 || positionals[0] !== name)) {
    throw new UsageError(
      `Invalid --resume: ${dir} is a run of "${name}", not of ${positionals.join(", ")}`,
    );
  }
  const backend = flags.backend === undefined ? {} : { backend: flags.backend };
  const outcome = await runExperiment(getExperiment(name), {
    resume: dir,
    quiet: flags.quiet,
    resumeConfig: backend,
  });
  if (outcome.alreadyComplete) {
    console.log(`${name}: ${outcome.dir} is already complete; nothing was recomputed or rewritten`);
    return 0;
  }
  printOutcome(name, outcome.dir, outcome.summary);
  return 0;
}

function printOutcome(name: string, dir: string, summary: Record<string, unknown>): void {
  console.log(`${name}: ${dir}`);
  for (const [k, v] of Object.entries(summary)) {
    console.log(`  ${k}: ${typeof v === "number" ? formatNumber(v) : v}`);
  }
}

async function infoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    console.log(
      "Usage: metaforge info\n\nPrints the WebGPU adapter, the device limits the kernels use, the backend and versions.",
    );
    return 0;
  }
  console.log(
    `deno ${Deno.version.deno}, v8 ${Deno.version.v8}, typescript ${Deno.version.typescript}`,
  );
  try {
    const ctx = await GpuContext.create();
    console.log(ctx.describe());
    console.log("backend: gpu");
    for (const k of Object.keys(WANTED_LIMITS) as (keyof typeof WANTED_LIMITS)[]) {
      console.log(`  ${k}: ${ctx.limit(k)}`);
    }
    console.log(`  subgroups: ${ctx.subgroups}`);
    ctx.destroy();
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    console.log(`${e.message}; backend: cpu`);
  }
  return 0;
}

async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    console.log(
      "Usage: metaforge report RUN_DIR\n\nRe-renders plots/*.svg, report.md and dashboard.html of a run folder from its files.",
    );
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("report takes exactly one RUN_DIR");
  const r = await renderRun(positionals[0]!);
  for (const f of r.files) console.log(f);
  return 0;
}

function listCommand(): number {
  for (const e of listExperiments()) console.log(`${e.name}\t${e.description}`);
  return 0;
}

/** Runs the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "train":
        return await withCluster(rest, trainCommand);
      case "evolve":
      case "l2o":
        // Shorthands for `train evolve` (meta-evolution) and `train l2o` (learned optimizers).
        return await withCluster(
          rest.includes("--help") || rest.includes("-h")
            ? rest
            : [command === "evolve" ? "evolve" : "l2o", ...rest],
          trainCommand,
        );
      case "worker":
        return await workerCommand(rest);
      case "bench":
        return await benchMain(rest);
      case "info":
        return await infoCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "list":
        return listCommand();
      case "kernels":
        return kernelsCommand(rest);
      case "data":
        return await dataCommand(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `Unknown command "${command}": must be one of train, evolve, l2o, worker, bench, info, report, list, kernels, data`,
        );
    }
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`metaforge: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof RunInterrupted || e instanceof WriteError || e instanceof DeviceLostError) {
      console.error(`metaforge: ${stopMessage(e)}`);
      return e.exitCode;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      console.error(`metaforge: ${(e as Error).message.split("\n")[0]}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args).catch(reportBug));
