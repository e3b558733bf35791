import assert from "node:assert/strict";
import { CpuBackend, type CpuPopulation } from "../../../learners/cpu_backend.ts";
import { GpuBackend, type GpuPopulation } from "../../../learners/gpu/gpu_backend.ts";
import type { OptimizerKind } from "../../../learners/optimizers/knobs.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { scratchStride } from "../../../learners/mlp/mlp_uniform.ts";
import type { MlpGrouping } from "../../../learners/mlp/mlp_uniform.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { caseBatches, caseData, CASES, setupCase } from "./_cases.ts";

const TOL = { atol: 2e-5, rtol: 2e-4 };

type Ctx = Parameters<Parameters<typeof gpuTest>[1]>[0];

/** Workgroup layouts the MLP kernels are compiled for: the adapter's default, a GPU-style one
 * (one model per workgroup of 64 invocations, with barriers) and a mixed one. */
const GROUPINGS: (MlpGrouping | undefined)[] = [undefined, { modelsPerGroup: 1, roles: 64 }, {
  modelsPerGroup: 4,
  roles: 4,
}];

function groupingName(g: MlpGrouping | undefined): string {
  return g ? `${g.modelsPerGroup}x${g.roles}` : "default";
}

async function backends(ctx: Ctx, grouping?: MlpGrouping) {
  return { cpu: new CpuBackend(), gpu: await GpuBackend.create(ctx, { grouping }) };
}

for (const g of GROUPINGS) {
  for (const c of CASES) {
    gpuTest(
      `init_params kernel matches initParamsCpu() when ${c.name}, grouping ${groupingName(g)}`,
      async (ctx) => {
        const { cpu, gpu } = await backends(ctx, g);
        const a = setupCase(cpu, c, 11);
        const b = setupCase(gpu, c, 11);
        const pa = await a.pop.readParams();
        assertClose(await b.pop.readParams(), pa, { atol: 1e-6, rtol: 1e-5, what: "params" });
        assert.ok(pa.some((v) => v !== 0), "init wrote non-zero weights");
        b.pop.destroy();
      },
    );

    gpuTest(
      `evaluate kernel matches evaluateCpu() (forward, loss, accuracy) when ${c.name}, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const { cpu, gpu } = await backends(ctx, g);
        const a = setupCase(cpu, c, 12);
        const b = setupCase(gpu, c, 12);
        // Train a little so outputs are not just the init, then compare the forward pass.
        a.pop.train(a.data, 2);
        b.pop.train(b.data, 2);
        const P = c.spec.size;
        const E = 2 * (c.spec.batchSize ?? 32) + 3; // several chunks, the last one partial
        const idx = new Uint32Array(P * E).map((_, i) => (i * 7 + 3) % c.rows);
        const ea = await a.pop.evaluate(a.data, idx, { outputs: true });
        const eb = await b.pop.evaluate(b.data, idx, { outputs: true });
        assertClose(eb.outputs!, ea.outputs!, { ...TOL, what: "outputs" });
        assertClose(eb.loss, ea.loss, { ...TOL, what: "loss" });
        assertClose(eb.accuracy, ea.accuracy, { atol: 1.01 / E, rtol: 0, what: "accuracy" });
        b.pop.destroy();
      },
    );

    gpuTest(
      `train_step kernel gradients match trainStepCpu() when ${c.name}, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const { cpu, gpu } = await backends(ctx, g);
        const a = setupCase(cpu, c, 13);
        const b = setupCase(gpu, c, 13);
        const ga = await a.pop.gradients(a.data);
        const gb = await b.pop.gradients(b.data);
        assertClose(gb.grads, ga.grads, { ...TOL, what: "grads" });
        assertClose(gb.loss, ga.loss, { ...TOL, what: "loss" });
        assertClose(gb.gradNorm, ga.gradNorm, { ...TOL, what: "gradNorm" });
        assert.ok(ga.gradNorm.every((v) => v > 0), "gradients are non-zero");
        b.pop.destroy();
      },
    );

    gpuTest(
      `train_step kernel matches trainStepCpu() over K=7 steps in one submit when ${c.name}, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const { cpu, gpu } = await backends(ctx, g);
        const a = setupCase(cpu, c, 14, 3);
        const b = setupCase(gpu, c, 14, 3);
        const before = await a.pop.readParams();
        a.pop.train(a.data, 7);
        b.pop.train(b.data, 7);
        const pa = await a.pop.readParams();
        assertClose(await b.pop.readParams(), pa, { atol: 1e-4, rtol: 1e-3, what: "params" });
        const sa = await a.pop.readOptimizerState();
        const sb = await b.pop.readOptimizerState();
        assert.deepEqual(sb.steps, sa.steps);
        assert.ok(sa.steps.every((s) => s === 7));
        assertClose(sb.opt, sa.opt, { atol: 1e-4, rtol: 1e-3, what: "optimizer moments" });
        const ma = await a.pop.readMetrics();
        assertClose((await b.pop.readMetrics()).loss, ma.loss, {
          atol: 1e-4,
          rtol: 1e-3,
          what: "train loss",
        });
        assert.ok(pa.some((v, i) => v !== before[i]), "training changed the parameters");
        b.pop.destroy();
      },
    );
  }

  for (const optimizer of ["sgd", "momentum", "adam"] as const) {
    gpuTest(
      `train_step kernel matches trainStepCpu() for optimizer ${optimizer} with clipping and decay, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const { cpu, gpu } = await backends(ctx, g);
        const c = { ...CASES[1]!, optimizers: [optimizer] };
        const a = setupCase(cpu, c, 15, 2);
        const b = setupCase(gpu, c, 15, 2);
        const knobs = {
          optimizer,
          lr: 0.05,
          momentum: 0.8,
          weightDecay: 0.01,
          clipNorm: 0.5,
          eps: 1e-6,
        };
        a.pop.setKnobs(knobs);
        b.pop.setKnobs(knobs);
        a.pop.train(a.data, 4);
        b.pop.train(b.data, 4);
        assertClose(await b.pop.readParams(), await a.pop.readParams(), {
          atol: 1e-4,
          rtol: 1e-3,
          what: "params",
        });
        b.pop.destroy();
      },
    );
  }
}

gpuTest("GpuPopulation gives identical parameters for the same seed (determinism)", async (ctx) => {
  const gpu = await GpuBackend.create(ctx);
  const c = CASES[1]!;
  const runs: Float32Array[] = [];
  for (let r = 0; r < 2; r++) {
    const { data, pop } = setupCase(gpu, c, 21, 2);
    pop.train(data, 5);
    runs.push(await pop.readParams());
    pop.destroy();
  }
  assert.deepEqual(runs[0], runs[1]);
  const { pop } = setupCase(gpu, c, 22, 2);
  assert.notDeepEqual(await pop.readParams(), runs[0]);
});

gpuTest("sample_batches kernel matches sampleBatchesCpu() exactly", async (ctx) => {
  const { cpu, gpu } = await backends(ctx);
  const c = CASES[1]!;
  const a = setupCase(cpu, c, 23);
  const b = setupCase(gpu, c, 23);
  const ranges = new Uint32Array(2 * c.spec.size);
  for (let p = 0; p < c.spec.size; p++) {
    ranges[2 * p] = p;
    ranges[2 * p + 1] = 1 + (p * 13) % 60;
  }
  const o = { seed: 99, round: 4, numBatches: 3, ranges };
  a.pop.sampleBatches(o);
  b.pop.sampleBatches(o);
  // Same batches -> identical gradients up to float order.
  const ga = await a.pop.gradients(a.data);
  const gb = await b.pop.gradients(b.data);
  assertClose(gb.grads, ga.grads, { ...TOL, what: "grads after sampled batches" });
  b.pop.destroy();
});

gpuTest(
  "evaluate kernel matches evaluateCpu() on 30000 samples per model (split into dispatches)",
  async (ctx) => {
    const { cpu, gpu } = await backends(ctx);
    const c = CASES[0]!;
    const a = setupCase(cpu, c, 31);
    const b = setupCase(gpu, c, 31);
    const E = 30000;
    const idx = new Uint32Array(c.spec.size * E).map((_, i) => (i * 13 + 1) % c.rows);
    const ea = await a.pop.evaluate(a.data, idx);
    const eb = await b.pop.evaluate(b.data, idx);
    assertClose(eb.loss, ea.loss, { atol: 1e-5, rtol: 1e-4, what: "loss" });
    assertClose(eb.accuracy, ea.accuracy, { atol: 1e-6, rtol: 0, what: "accuracy" });
  },
);

gpuTest(
  "train_step quarantines models whose loss becomes NaN, as trainStepCpu() does",
  async (ctx) => {
    const { cpu, gpu } = await backends(ctx);
    const c = CASES[3]!;
    const a = setupCase(cpu, c, 41, 2);
    const b = setupCase(gpu, c, 41, 2);
    // Models 0 and 3 get a learning rate that blows up; the others train normally.
    const knobs = Array.from({ length: c.spec.size }, (_, p) => ({ lr: p % 3 === 0 ? 100 : 0.05 }));
    a.pop.setKnobs(knobs);
    b.pop.setKnobs(knobs);
    a.pop.train(a.data, 30);
    b.pop.train(b.data, 30);
    const ma = await a.pop.readMetrics();
    const mb = await b.pop.readMetrics();
    assert.deepEqual(Array.from(mb.diverged), Array.from(ma.diverged));
    assert.deepEqual(Array.from(ma.diverged), [1, 0, 0, 1, 0, 0]);
    const sa = await a.pop.readOptimizerState();
    const sb = await b.pop.readOptimizerState();
    // The step at which a blow-up turns into NaN depends on float rounding, so only the healthy
    // models' step counts must agree exactly.
    for (const p of [1, 2, 4, 5]) assert.equal(sb.steps[p], 30);
    for (const p of [0, 3]) {
      assert.ok(
        sa.steps[p]! < 30 && sb.steps[p]! < 30,
        `steps ${sa.steps} / ${sb.steps}`,
      );
    }
    // Healthy models match the twin; quarantined models keep their parameters frozen.
    const pa = await a.pop.readParams();
    const pb = await b.pop.readParams();
    const L = a.pop.layout;
    for (const p of [1, 2, 4, 5]) {
      assertClose(
        pb.subarray(p * L.stride, (p + 1) * L.stride),
        pa.subarray(p * L.stride, (p + 1) * L.stride),
        { atol: 1e-4, rtol: 1e-3, what: `model ${p}` },
      );
    }
    b.pop.train(b.data, 5);
    const pb2 = await b.pop.readParams();
    assert.deepEqual(pb2.subarray(0, L.stride), pb.subarray(0, L.stride));
  },
);

gpuTest(
  "a population split into several dispatches (bindings capped) matches the CPU twin",
  async (ctx) => {
    const c = {
      ...CASES[3]!,
      spec: { ...CASES[3]!.spec, size: 200 },
      optimizers: ["sgd", "adam"] as OptimizerKind[],
    };
    const cpu = new CpuBackend();
    // 64 models' largest binding (scratch or optimizer moments) per binding: 200 models run as 4
    // dispatches.
    const L = mlpLayout(c.spec);
    const perModel = Math.max(scratchStride(L) * 4, 2 * L.stride * 4);
    const gpu = await GpuBackend.create(ctx, { maxBindingBytes: 64 * perModel + 100 });
    const a = setupCase(cpu, c, 51, 2);
    const b = setupCase(gpu, c, 51, 2);
    assert.equal((b.pop as GpuPopulation).dispatchesPerStep, 4);
    assertClose(await b.pop.readParams(), await a.pop.readParams(), {
      atol: 1e-5,
      rtol: 1e-5,
      what: "init",
    });
    const ranges = new Uint32Array(2 * 200).map((_, i) => (i % 2 === 0 ? (i / 2) % 7 : 100));
    a.pop.sampleBatches({ seed: 5, round: 1, numBatches: 3, ranges });
    b.pop.sampleBatches({ seed: 5, round: 1, numBatches: 3, ranges });
    a.pop.train(a.data, 4);
    b.pop.train(b.data, 4);
    assertClose(await b.pop.readParams(), await a.pop.readParams(), {
      atol: 1e-4,
      rtol: 1e-3,
      what: "params",
    });
    const idx = new Uint32Array(200 * 5).map((_, i) => (i * 3) % c.rows);
    const ea = await a.pop.evaluate(a.data, idx);
    const eb = await b.pop.evaluate(b.data, idx);
    assertClose(eb.loss, ea.loss, { atol: 1e-4, rtol: 1e-3, what: "eval loss" });
  },
);

gpuTest(
  "evaluate with a label map on a population padded to the workgroup grouping matches the CPU twin",
  async (ctx) => {
    const c = { ...CASES[1]!, spec: { ...CASES[1]!.spec, size: 13 } };
    const { cpu, gpu } = await backends(ctx);
    const a = setupCase(cpu, c, 61);
    const b = setupCase(gpu, c, 61);
    const width = 9;
    const map = new Uint32Array(13 * width).map((_, i) => (i * 5 + 1) % 7);
    a.pop.setLabelMap(map, width);
    b.pop.setLabelMap(map, width);
    // Labels must be below the map width: use rows whose label is < 9 (all of them, 7 classes).
    const idx = new Uint32Array(13 * 11).map((_, i) => (i * 3) % c.rows);
    const ea = await a.pop.evaluate(a.data, idx);
    const eb = await b.pop.evaluate(b.data, idx);
    assertClose(eb.loss, ea.loss, { ...TOL, what: "loss" });
    assertClose(eb.accuracy, ea.accuracy, { atol: 1.01 / 11, rtol: 0, what: "accuracy" });
  },
);

gpuTest(
  "copyModels copies parameters, optimizer state, steps, metrics and knobs bit-exact, as the CPU twin does",
  async (ctx) => {
    const { cpu, gpu } = await backends(ctx);
    const c = CASES[1]!;
    const a = setupCase(cpu, c, 71, 2);
    const b = setupCase(gpu, c, 71, 2);
    a.pop.train(a.data, 3);
    b.pop.train(b.data, 3);
    const before = await b.pop.readState();
    // 5 <- 2 and 2 <- 5 swap (copies read the models as they were), 9 <- 0.
    const from = [2, 5, 0];
    const to = [5, 2, 9];
    a.pop.copyModels(from, to);
    b.pop.copyModels(from, to);
    const after = await b.pop.readState();
    const L = b.pop.layout;
    const rows = { params: L.stride, opt: 2 * L.stride, steps: 1, metrics: 4, knobs: 16 } as const;
    for (const [key, n] of Object.entries(rows) as [keyof typeof rows, number][]) {
      for (let i = 0; i < from.length; i++) {
        assert.deepEqual(
          after[key].subarray(to[i]! * n, (to[i]! + 1) * n),
          before[key].subarray(from[i]! * n, (from[i]! + 1) * n),
          `${key} ${to[i]}`,
        );
      }
      assert.deepEqual(
        after[key].subarray(n, 2 * n),
        before[key].subarray(n, 2 * n),
        `${key} of an untouched model`,
      );
    }
    const ta = await a.pop.readState();
    assertClose(after.params, ta.params, { atol: 1e-4, rtol: 1e-3, what: "params vs twin" });
    assert.throws(() => b.pop.copyModels([0, 1], [3, 3]), /each target may appear once/);
    assert.throws(() => b.pop.copyModels([0], [99]), /to\[0\]: must be an integer in \[0, 36\]/);
  },
);

gpuTest(
  "train_step matches trainStepCpu() with label smoothing and sign / normalize gradient transforms",
  async (ctx) => {
    const { cpu, gpu } = await backends(ctx);
    const c = CASES[1]!;
    const a = setupCase(cpu, c, 81, 2);
    const b = setupCase(gpu, c, 81, 2);
    const transforms = ["none", "sign", "normalize"] as const;
    const optimizers = ["sgd", "momentum", "adam"] as const;
    const knobs = Array.from({ length: c.spec.size }, (_, p) => ({
      lr: optimizers[p % 3] === "adam" ? 0.003 : 0.02,
      optimizer: optimizers[p % 3]!,
      gradTransform: transforms[Math.floor(p / 3) % 3]!,
      labelSmoothing: [0, 0.1, 0.3][p % 3]!,
      weightDecay: p % 2 ? 0.001 : 0,
    }));
    a.pop.setKnobs(knobs);
    b.pop.setKnobs(knobs);
    const ga = await a.pop.gradients(a.data);
    const gb = await b.pop.gradients(b.data);
    assertClose(gb.loss, ga.loss, { ...TOL, what: "smoothed loss" });
    assertClose(gb.grads, ga.grads, { ...TOL, what: "smoothed gradients" });
    a.pop.train(a.data, 4);
    b.pop.train(b.data, 4);
    const pa = await a.pop.readParams();
    const pb = await b.pop.readParams();
    const L = a.pop.layout;
    for (let p = 0; p < c.spec.size; p++) {
      const got = pb.subarray(p * L.stride, (p + 1) * L.stride);
      const want = pa.subarray(p * L.stride, (p + 1) * L.stride);
      if (knobs[p]!.gradTransform !== "sign") {
        assertClose(got, want, { atol: 1e-4, rtol: 1e-3, what: `params of model ${p}` });
        continue;
      }
      // sign() is discontinuous at 0: a gradient within rounding of 0 may take the other sign
      // on the GPU. Allow a few such parameters, each off by at most lr per step taken, twice.
      let off = 0;
      for (let i = 0; i < L.paramCount; i++) {
        const d = Math.abs(got[i]! - want[i]!);
        if (d > 1e-4 + 1e-3 * Math.abs(want[i]!)) {
          off++;
          assert.ok(
            d <= 2 * 4 * knobs[p]!.lr + 1e-4,
            `model ${p} param ${i}: ${got[i]} vs ${want[i]}`,
          );
        }
      }
      assert.ok(off <= Math.ceil(L.paramCount / 1000), `model ${p}: ${off} parameters differ`);
    }
  },
);

Deno.test("trainStepCpu() label smoothing 0 gives plain cross-entropy and > 0 raises the loss of a confident model", async () => {
  const c = CASES[1]!;
  const cpu = new CpuBackend();
  const a = setupCase(cpu, c, 82);
  a.pop.setKnobs({ lr: 0.1 });
  const plain = (await a.pop.gradients(a.data)).loss;
  const e = await a.pop.evaluate(
    a.data,
    new Uint32Array(c.spec.size * 9).map((_, i) =>
      (a.pop as CpuPopulation).state.batchIdx[Math.floor(i / 9) * 9 + (i % 9)]!
    ),
  );
  assertClose(plain, e.loss, {
    atol: 1e-6,
    rtol: 1e-6,
    what: "training loss = eval cross-entropy at smoothing 0",
  });
  a.pop.setKnobs({ lr: 0.1, labelSmoothing: 0.5 });
  const smooth = (await a.pop.gradients(a.data)).loss;
  assert.ok(smooth.some((v, i) => Math.abs(v - plain[i]!) > 1e-6), "smoothing changes the loss");
  assert.throws(
    () => a.pop.setKnobs({ lr: 0.1, labelSmoothing: 1 }),
    /labelSmoothing: must be in \[0, 1\)/,
  );
  assert.throws(
    () => a.pop.setKnobs({ lr: 0.1, gradTransform: "cube" as never }),
    /gradTransform: must be none, sign or normalize/,
  );
});

gpuTest(
  "plain SGD (updated inside the gradient tiles) leaves a model that diverges at its first step unchanged, as trainStepCpu() does",
  async (ctx) => {
    const { cpu, gpu } = await backends(ctx);
    const c = CASES[3]!;
    // Row 0 has infinite inputs: model 0's batch starts with it, the other models never see it.
    const data = caseData(c, 5);
    for (let i = 0; i < data.inputs; i++) data.x[i] = Infinity;
    const batches = caseBatches(c, 5, 1);
    for (let i = 0; i < batches.length; i++) batches[i] = 1 + (batches[i]! % (c.rows - 1));
    batches[0] = 0;
    const run = async (backend: CpuBackend | GpuBackend) => {
      const d = backend.uploadDataset(data);
      const pop = backend.createPopulation(c.spec);
      pop.init(5);
      pop.setKnobs({ optimizer: "sgd", lr: 0.1, weightDecay: 0.01, clipNorm: 0 });
      pop.setBatches(batches, 1);
      const before = await pop.readParams();
      pop.train(d, 1);
      const after = await pop.readParams();
      const m = await pop.readMetrics();
      pop.destroy();
      return { before, after, diverged: Array.from(m.diverged) };
    };
    const a = await run(cpu);
    const b = await run(gpu);
    assert.deepEqual(b.diverged, a.diverged);
    assert.deepEqual(a.diverged, [1, 0, 0, 0, 0, 0]);
    const S = mlpLayout(c.spec).stride;
    assert.deepEqual(
      b.after.subarray(0, S),
      b.before.subarray(0, S),
      "model 0 keeps its parameters",
    );
    assertClose(b.after.subarray(S), a.after.subarray(S), { ...TOL, what: "healthy models" });
    assert.ok(b.after.subarray(S).some((v, i) => v !== b.before[S + i]), "healthy models trained");
  },
);
