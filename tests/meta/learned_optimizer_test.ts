import assert from "node:assert/strict";
import type { Backend } from "../../learners/backend.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import {
  initialLearnedWeights,
  learnedKnobs,
  type LearnedOptimizer,
  learnedOptimizerFromWeights,
  learnedOptimizerRow,
  loadLearnedOptimizer,
  parseLearnedOptimizer,
  saveLearnedOptimizer,
} from "../../meta/learned_optimizer.ts";
import { gpuTest } from "../helpers.ts";
import { withTempDir } from "../_temp_dir.ts";
import { FAMILY } from "./_learned_optimizer_fixture.ts";

/** Three models of an 8-8-3 MLP on family-A tasks with the learned rows `row`, batches set. */
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

/** Saves `opt` to a temporary file and loads it back, checking that nothing changed. */
function roundTrip(opt: LearnedOptimizer): Promise<LearnedOptimizer> {
  return withTempDir(async (dir) => {
    const path = `${dir}/opt.json`;
    await saveLearnedOptimizer(path, opt);
    const loaded = await loadLearnedOptimizer(path);
    assert.deepEqual(loaded, opt);
    assert.deepEqual(learnedOptimizerRow(loaded), learnedOptimizerRow(opt));
    return loaded;
  });
}

Deno.test("saveLearnedOptimizer() then loadLearnedOptimizer() gives identical training", async () => {
  const opt = learnedOptimizerFromWeights(initialLearnedWeights(9, 0.5), {
    lr: 0.05,
    momentum: 0.9,
    horizon: 30,
  }, { info: { note: "test" } });
  const loaded = await roundTrip(opt);
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
});

Deno.test("saveLearnedOptimizer() then loadLearnedOptimizer() of a per-param optimizer gives identical training", async () => {
  const opt = learnedOptimizerFromWeights(initialLearnedWeights(9, 0.3, "per-param"), {
    lr: 0.05,
    momentum: 0.9,
    horizon: 30,
  }, { kind: "per-param", info: { note: "test" } });
  assert.equal(opt.architecture.kind, "per-param");
  const loaded = await roundTrip(opt);
  assert.equal(learnedKnobs(loaded).optimizer, "learned-per-param");
  const cpu = new CpuBackend();
  const run = async (row: Float32Array<ArrayBuffer>, knobs = learnedKnobs(loaded)) => {
    const { data, pop } = trainWith(cpu, new Float32Array([...row, ...row, ...row]));
    pop.setKnobs(knobs);
    pop.train(data, 12);
    return await pop.readParams();
  };
  const a = await run(learnedOptimizerRow(opt));
  const b = await run(learnedOptimizerRow(loaded));
  assert.deepEqual(b, a);
  // The per-param network changes the update: it does not reduce to momentum SGD.
  const m = await run(learnedOptimizerRow(opt), { optimizer: "momentum", lr: 0.05, momentum: 0.9 });
  assert.notDeepEqual(m, a);
  // A per-param file with a non-zero mean or lr-scale-sized weights is rejected.
  assert.throws(
    () => parseLearnedOptimizer({ ...opt, normalization: { mean: [1, 0, 0], scale: [1, 1, 1] } }),
    RangeError,
  );
  assert.throws(
    () => parseLearnedOptimizer({ ...opt, weights: { ...opt.weights, w1: new Array(40).fill(0) } }),
    TypeError,
  );
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
