/**
 * Soak run of lr-sweep at smoke size (issue 17, item 11): many steps with frequent evaluations and
 * checkpoints, the resident memory (RSS) and the checkpoint's size (state.json plus its blobs; the
 * append-only score log, like metrics.csv, grows with the run and is listed apart) sampled at every
 * checkpoint, and a table at 10%, 20%, ..., 100% of the run. A run in bounded memory shows both
 * flat after warm-up: the verdict line checks RSS within 10% and the checkpoint size constant (within
 * 10%: the printed digits of floats vary) between 10% and 100% of the run (exit 1 when not). tools/soak_evolve.ts
 * does the same for evolve's meta-training.
 *
 *   deno run -A --v8-flags=--expose-gc tools/soak_lr_sweep.ts [--steps 1000000] [--eval-every 100]
 *     [--backend cpu|gpu]
 * (with --expose-gc each sample is taken after a full garbage collection, so heap_mb is live data)
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Experiment, type RunContext, runExperiment } from "../core/experiment.ts";
import { LR_SWEEP } from "../meta/lr_sweep.ts";

/** One sample: step, resident memory and checkpoint sizes after a checkpoint. */
export interface Sample {
  step: number;
  rssMb: number;
  /** V8 heap in use (after a full GC when run with --v8-flags=--expose-gc: the live data). */
  heapMb: number;
  stateBytes: number;
  checkpointBytes: number;
  logBytes: number;
}

/** `experiment` with `after(ctx, state)` called after each checkpoint it saves. */
export function probeCheckpoints<C, I>(
  experiment: Experiment<C, I>,
  after: (ctx: RunContext<C, I>, state: unknown) => Promise<void>,
): Experiment<C, I> {
  return {
    ...experiment,
    run(ctx) {
      return experiment.run({
        ...ctx,
        saveCheckpoint: async (state, blobs) => {
          const generation = await ctx.saveCheckpoint(state, blobs);
          await after(ctx, state);
          return generation;
        },
      });
    },
  };
}

/** A sample after the checkpoint of `step` in `dir`: RSS now and the checkpoint's sizes. */
export async function sampleCheckpoint(dir: string, step: number): Promise<Sample> {
  const sizes = await checkpointSizes(dir);
  (globalThis as { gc?: () => void }).gc?.();
  const memory = Deno.memoryUsage();
  return {
    step,
    rssMb: memory.rss / 2 ** 20,
    heapMb: memory.heapUsed / 2 ** 20,
    stateBytes: sizes.state,
    checkpointBytes: sizes.all,
    logBytes: sizes.log,
  };
}

/** Bytes of the checkpoint folder's files: state.json, the blobs, and the logs apart. */
async function checkpointSizes(
  dir: string,
): Promise<{ state: number; all: number; log: number }> {
  const sizes = { state: 0, all: 0, log: 0 };
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile) continue;
    const size = (await Deno.stat(join(dir, e.name))).size;
    if (e.name.endsWith(".f64") || e.name.endsWith(".jsonl")) sizes.log += size;
    else sizes.all += size;
    if (e.name === "state.json") sizes.state = size;
  }
  return sizes;
}

/** The samples at every tenth of the run (the last sample at or before it). */
function tenths(samples: Sample[]): Sample[] {
  return Array.from({ length: 10 }, (_, i) => {
    const k = Math.max(0, Math.ceil(((i + 1) * samples.length) / 10) - 1);
    return samples[Math.min(samples.length - 1, k)]!;
  });
}

/**
 * Prints the samples at every tenth of the run and the verdict: RSS within 10% and the checkpoint
 * size constant between 10% and 100% of the run; returns whether both hold.
 */
export function printSoak(samples: Sample[]): boolean {
  console.log("percent\tstep\trss_mb\theap_mb\tstate_json_bytes\tcheckpoint_bytes\tlog_bytes");
  const t = tenths(samples);
  t.forEach((s, i) =>
    console.log(
      `${(i + 1) * 10}%\t${s.step}\t${s.rssMb.toFixed(1)}\t${
        s.heapMb.toFixed(1)
      }\t${s.stateBytes}\t${s.checkpointBytes}\t${s.logBytes}`,
    )
  );
  const rss = t.map((s) => s.rssMb);
  const rssSpread = (Math.max(...rss) - Math.min(...rss)) / Math.min(...rss);
  const ckSpread = Math.max(...t.map((s) => s.checkpointBytes)) -
    Math.min(...t.map((s) => s.checkpointBytes));
  const ckMin = Math.min(...t.map((s) => s.checkpointBytes));
  // Constant up to the printed digits of the floats and counters in state.json: within 10%.
  const ok = rssSpread <= 0.1 && ckSpread <= 0.1 * ckMin;
  console.log(
    `verdict (10%..100%): RSS spread ${(100 * rssSpread).toFixed(1)}% (<= 10%), checkpoint ` +
      `size spread ${ckSpread} bytes of ${ckMin} (${(100 * ckSpread / ckMin).toFixed(2)}%, ` +
      `<= 10%): ${ok ? "PASS" : "FAIL"}`,
  );
  return ok;
}

/** Runs the soak, prints the samples at every tenth of the run and the verdict; false when it fails. */
export async function soak(args: string[]): Promise<boolean> {
  const { values } = parseArgs({
    args,
    options: {
      steps: { type: "string", default: "1000000" },
      "eval-every": { type: "string", default: "100" },
      backend: { type: "string", default: "cpu" },
    },
  });
  const steps = Number(values.steps);
  const evalEvery = Number(values["eval-every"]);
  const samples: Sample[] = [];
  const spy = probeCheckpoints(LR_SWEEP, async (ctx, state) => {
    samples.push(await sampleCheckpoint(ctx.checkpointDir, (state as { step: number }).step));
  });
  const tmp = await Deno.makeTempDir({ prefix: "soak_" });
  const t0 = performance.now();
  try {
    await runExperiment(spy, {
      scale: "smoke",
      rawConfig: { backend: values.backend, steps, evalEvery, checkpointEvery: 10 },
      dir: join(tmp, "run"),
      quiet: true,
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  console.log(`lr-sweep soak: ${steps} steps, eval every ${evalEvery}, backend ${values.backend}`);
  console.log(`${samples.length} checkpoints in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return printSoak(samples);
}

if (import.meta.main && !(await soak(Deno.args))) Deno.exit(1);
