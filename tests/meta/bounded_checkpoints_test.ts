/**
 * Issue 17 item 11 for evolve, l2o and meta: their checkpoints' state.json holds the position of the
 * run (the finished phases' count and the running phase's progress), not its history: the
 * meta-generation rows and scored genomes, the meta-training records and the phase results go to
 * append-only logs, so state.json does not grow with the run while the logs do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Experiment, runExperiment } from "../../core/experiment.ts";
import { EVOLVE } from "../../meta/evolution/experiment.ts";
import { L2O } from "../../meta/l2o/experiment.ts";
import { META_EXPERIMENT } from "../../meta/few_shot/experiment.ts";
import { probeCheckpoints } from "../../tools/soak_lr_sweep.ts";
import { withTempDir } from "../_temp_dir.ts";

/** state.json's size after every save of a smoke run of `experiment` (on the CPU twins). */
async function stateSizes<C, I>(experiment: Experiment<C, I>, config: object): Promise<number[]> {
  return await withTempDir(async (tmp) => {
    const sizes: number[] = [];
    const spy = probeCheckpoints(experiment, async (ctx) => {
      sizes.push((await Deno.stat(join(ctx.checkpointDir, "state.json"))).size);
    });
    const rawConfig = { backend: "cpu", ...config };
    await runExperiment(spy, { scale: "smoke", rawConfig, dir: join(tmp, "run"), quiet: true });
    return sizes;
  });
}

Deno.test("evolve: state.json keeps its size over 16 meta-generations and every phase", async () => {
  const sizes = await stateSizes(EVOLVE, { metaGenerations: 16, bbobFunctions: [] });
  // 15 meta-generations, then the phases: attribution, held-out, specialized, the smoke scale's
  // second meta-evolution run (meta-run-1) and the end.
  assert.equal(sizes.length, 15 + 5);
  const training = sizes.slice(0, 15);
  // Only the printed digits of the genomes' floats vary (before: +4.7 KB per meta-generation).
  assert.ok(Math.max(...training) <= 1.1 * Math.min(...training), `${training}`);
  for (const s of sizes.slice(15)) assert.ok(s < 300, `phase saves: ${sizes.slice(15)}`);
});

Deno.test("l2o and meta: state.json stays small at every save", async () => {
  const l2o = await stateSizes(L2O, { es: { generations: 8 } });
  // 3 methods x (7 progress saves + 1 method save), then tune, 2 evaluation families and the
  // smoke scale's second meta-training run (meta-run-1).
  assert.equal(l2o.length, 3 * 8 + 1 + 2 + 1);
  // Meta-training progress of each method (7 saves, then the method's result is logged): its
  // weights, Adam's moments and the RNG, a size fixed by the kind; between phases, the count only.
  for (let m = 0; m < 3; m++) {
    const progress = l2o.slice(8 * m, 8 * m + 7);
    assert.ok(Math.max(...progress) <= 1.05 * Math.min(...progress), `${l2o}`);
    assert.ok(l2o[8 * m + 7]! < 300, `${l2o}`);
  }
  for (const s of l2o.slice(24)) assert.ok(s < 300, `${l2o}`);
  const meta = await stateSizes(META_EXPERIMENT, {});
  assert.ok(meta.length >= 10);
  for (const s of meta) assert.ok(s < 300, `${meta}`);
});
