import assert from "node:assert/strict";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import type { Backend } from "../../learners/backend.ts";
import { FAMILY, TINY } from "./_learned_optimizer_fixture.ts";
import {
  initialLearnedWeights,
  learnedKnobs,
  learnedOptimizerFromWeights,
  learnedOptimizerRow,
  loadLearnedOptimizer,
  parseLearnedOptimizer,
  saveLearnedOptimizer,
} from "../../meta/learned_optimizer.ts";
import { learnedMetaLoss, metaTrainEs } from "../../meta/learned_optimizer_training.ts";
import { gpuTest } from "../helpers.ts";
import { runExperiment } from "../../core/experiment.ts";
import { L2O } from "../../meta/l2o/experiment.ts";

function trainWith(backend: Backend, row: Float32Array<ArrayBuffer>) {
  const tasks = FAMILY.sampleEpisodes(17, 3);
  const data = backend.uploadDataset(tasks.dataset);
  const pop = backend.createPopulation({ size: 3, widths: [8, 8, 3], batchSize: 8 });
  pop.init(4);
  pop.setLearnedWeights(row);
  const idx = new Uint32Array(3 * 2 * 8).map((_, i) => tasks.support[(i * 7) % 30]!);
  pop.setBatches(idx, 2);
  return { data, pop };
}

Deno.test("saveLearnedOptimizer() then loadLearnedOptimizer() gives identical training", async () => {
  const opt = learnedOptimizerFromWeights(initialLearnedWeights(9, 0.5), {
    lr: 0.05,
    momentum: 0.9,
    horizon: 30,
  }, { info: { note: "test" } });
  const dir = await Deno.makeTempDir();
  const path = `${dir}/opt.json`;
  await saveLearnedOptimizer(path, opt);
  const loaded = await loadLearnedOptimizer(path);
  assert.deepEqual(loaded, opt);
  assert.deepEqual(learnedOptimizerRow(loaded), learnedOptimizerRow(opt));
  const cpu = new CpuBackend();
  const runs = [];
  for (const o of [opt, loaded]) {
    const { data, pop } = trainWith(cpu, learnedOptimizerRow(o));
    pop.setKnobs(learnedKnobs(o));
    pop.train(data, 12);
    runs.push(await pop.readParams());
  }
  assert.deepEqual(runs[1], runs[0]);
  // A learned optimizer with non-trivial weights does not reduce to momentum SGD.
  const { data, pop } = trainWith(cpu, learnedOptimizerRow(opt));
  pop.setKnobs({ optimizer: "momentum", lr: 0.05, momentum: 0.9 });
  pop.train(data, 12);
  assert.notDeepEqual(await pop.readParams(), runs[0]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseLearnedOptimizer() rejects a wrong architecture or missing weights", () => {
  const opt = learnedOptimizerFromWeights(initialLearnedWeights(1), {
    lr: 0.1,
    momentum: 0.9,
    horizon: 0,
  });
  assert.throws(
    () => parseLearnedOptimizer({ ...opt, architecture: { ...opt.architecture, hidden: 16 } }),
    TypeError,
  );
  assert.throws(
    () => parseLearnedOptimizer({ ...opt, weights: { ...opt.weights, w1: [1, 2] } }),
    TypeError,
  );
  assert.throws(() => parseLearnedOptimizer({ format: "x" }), TypeError);
});

gpuTest("learned optimizer gives the same training on GPU and CPU after load", async (ctx) => {
  const opt = learnedOptimizerFromWeights(initialLearnedWeights(2, 0.3), {
    lr: 0.05,
    momentum: 0.8,
    horizon: 10,
  });
  const loaded = parseLearnedOptimizer(JSON.parse(JSON.stringify(opt)));
  const out = [];
  for (const be of [new CpuBackend(), await GpuBackend.create(ctx)] as Backend[]) {
    const { data, pop } = trainWith(be, learnedOptimizerRow(loaded));
    pop.setKnobs(learnedKnobs(loaded));
    pop.train(data, 6);
    out.push(await pop.readParams());
  }
  for (let i = 0; i < out[0]!.length; i++) {
    assert.ok(
      Math.abs(out[1]![i]! - out[0]![i]!) <= 2e-5 + 2e-4 * Math.abs(out[0]![i]!),
      `param ${i}`,
    );
  }
});

Deno.test("metaTrainEs() lowers the meta-loss on family A by >= 25% (tiny fixed-seed config, CPU)", async () => {
  const cpu = new CpuBackend();
  const held = FAMILY.sampleEpisodes(4242, 6);
  const theta0 = initialLearnedWeights(5, TINY.initStd);
  const before = await learnedMetaLoss(cpu, held, theta0, TINY, { steps: 20, seed: 8 });
  const { theta, history } = await metaTrainEs(cpu, FAMILY, TINY, 5);
  assert.equal(history.length, TINY.generations);
  assert.equal(history[0]!.unroll, 10);
  assert.equal(history.at(-1)!.unroll, 20);
  const after = await learnedMetaLoss(cpu, held, theta, TINY, { steps: 20, seed: 8 });
  // Measured: 0.777 -> 0.347 (seed 5); the stated margin is 25%.
  assert.ok(after < 0.75 * before, `meta-loss before ${before}, after ${after}`);
});

Deno.test("l2o experiment runs at smoke scale on the CPU backend and saves its three optimizers", async () => {
  const dir = await Deno.makeTempDir();
  const out = await runExperiment(L2O, {
    scale: "smoke",
    outDir: dir,
    quiet: true,
    rawConfig: { backend: "cpu" },
  });
  const opt = await loadLearnedOptimizer(`${out.dir}/learned_optimizer.json`);
  assert.equal(opt.architecture.kind, "lr-scale");
  const rf = await loadLearnedOptimizer(`${out.dir}/learned_optimizer_reinforce.json`);
  assert.equal(rf.architecture.kind, "lr-scale");
  const pp = await loadLearnedOptimizer(`${out.dir}/learned_optimizer_per_param.json`);
  assert.equal(pp.architecture.kind, "per-param");
  await Deno.remove(dir, { recursive: true });
});
