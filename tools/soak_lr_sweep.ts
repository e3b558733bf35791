/**
 * Soak run of lr-sweep at smoke size: many steps with frequent evaluations and checkpoints, the
 * resident memory (RSS) and the checkpoint's state.json size sampled at every checkpoint, and a
 * table at 10%, 20%, ..., 100% of the run. A run in bounded memory shows both flat after warm-up.
 *
 *   deno run -A tools/soak_lr_sweep.ts [--steps 100000] [--eval-every 10] [--backend cpu|gpu]
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Experiment, type RunContext, runExperiment } from "../core/experiment.ts";
import { LR_SWEEP } from "../meta/lr_sweep.ts";

/** One sample: step, resident memory and state.json size after a checkpoint. */
interface Sample {
  step: number;
  rssMb: number;
  stateBytes: number;
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

/** Runs the soak and prints the samples at every tenth of the run. */
export async function soak(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      steps: { type: "string", default: "100000" },
      "eval-every": { type: "string", default: "10" },
      backend: { type: "string", default: "cpu" },
    },
  });
  const steps = Number(values.steps);
  const evalEvery = Number(values["eval-every"]);
  const samples: Sample[] = [];
  const spy = probeCheckpoints(LR_SWEEP, async (ctx, state) => {
    const stateBytes = (await Deno.stat(join(ctx.checkpointDir, "state.json"))).size;
    const step = (state as { step: number }).step;
    samples.push({ step, rssMb: Deno.memoryUsage().rss / 2 ** 20, stateBytes });
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
  console.log("percent\tstep\trss_mb\tstate_json_bytes");
  for (let tenth = 1; tenth <= 10; tenth++) {
    const s = samples[Math.min(samples.length - 1, Math.ceil((tenth * samples.length) / 10) - 1)]!;
    console.log(`${tenth * 10}%\t${s.step}\t${s.rssMb.toFixed(1)}\t${s.stateBytes}`);
  }
}

if (import.meta.main) await soak(Deno.args);
