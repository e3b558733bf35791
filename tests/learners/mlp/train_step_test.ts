import assert from "node:assert/strict";
import type { CpuBackend } from "../../../learners/cpu_backend.ts";
import type { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { KNOB, KNOB_STRIDE, packKnobsTable } from "../../../learners/optimizers/knobs.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import {
  backends,
  caseBatches,
  caseData,
  caseKnobs,
  CASES,
  groupingName,
  GROUPINGS,
  setupTwins,
  TOL,
  trainTwins,
} from "./_cases.ts";

for (const g of GROUPINGS) {
  for (const c of CASES) {
    gpuTest(
      `train_step kernel gradients match trainStepCpu() when ${c.name}, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const { a, b } = await setupTwins(ctx, c, 13, 1, { grouping: g });
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
        const { a, b } = await setupTwins(ctx, c, 14, 3, { grouping: g });
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
        const c = { ...CASES[1]!, optimizers: [optimizer] };
        const { a, b } = await setupTwins(ctx, c, 15, 2, { grouping: g });
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
        await trainTwins(a, b, 4);
        b.pop.destroy();
      },
    );
  }
}

gpuTest(
  "train_step quarantines models whose loss becomes NaN, as trainStepCpu() does",
  async (ctx) => {
    const c = CASES[3]!;
    const { a, b } = await setupTwins(ctx, c, 41, 2);
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
  "train_step matches trainStepCpu() with label smoothing and sign / normalize gradient transforms",
  async (ctx) => {
    const c = CASES[1]!;
    const { a, b } = await setupTwins(ctx, c, 81, 2);
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

for (const g of GROUPINGS) {
  gpuTest(
    `train_step leaves models whose hold knob is set as they are but advances their steps, as trainStepCpu() does, grouping ${
      groupingName(g)
    }`,
    async (ctx) => {
      const c = CASES[1]!;
      const P = c.spec.size;
      const { a, b } = await setupTwins(ctx, c, 52, 3, { grouping: g });
      // Models 0-7 hold (whole workgroups of up to 8 models) and every fifth beside them.
      const held = (p: number) => p < 8 || p % 5 === 0;
      const knobs = packKnobsTable(caseKnobs(c, 52), P);
      for (let p = 0; p < P; p++) knobs[p * KNOB_STRIDE + KNOB.hold] = held(p) ? 1 : 0;
      for (const t of [a, b]) t.pop.setKnobs(knobs);
      const before = await b.pop.readState();
      await trainTwins(a, b, 2);
      const sa = await a.pop.readState();
      const sb = await b.pop.readState();
      assert.deepEqual(Array.from(sb.steps), Array.from(sa.steps));
      assert.ok(sb.steps.every((s) => s === 2), `steps ${sb.steps}`);
      const S = a.pop.layout.stride;
      for (let p = 0; p < P; p++) {
        if (!held(p)) continue;
        const rows = (x: Float32Array, w: number) => Array.from(x.subarray(p * w, (p + 1) * w));
        assert.deepEqual(rows(sb.params, S), rows(before.params, S), `params of model ${p}`);
        assert.deepEqual(rows(sb.opt, 2 * S), rows(before.opt, 2 * S), `moments of model ${p}`);
        assert.deepEqual(rows(sb.metrics, METRIC_STRIDE), rows(before.metrics, METRIC_STRIDE));
      }
      assert.ok(sb.params.some((v, i) => v !== before.params[i]), "the other models trained");
      // Released, every model's next step reads slot 2, after the held steps.
      for (let p = 0; p < P; p++) knobs[p * KNOB_STRIDE + KNOB.hold] = 0;
      for (const t of [a, b]) t.pop.setKnobs(knobs);
      await trainTwins(a, b, 1);
      const ma = await a.pop.readMetrics();
      assertClose((await b.pop.readMetrics()).loss, ma.loss, { ...TOL, what: "loss after hold" });
      b.pop.destroy();
    },
  );
}

gpuTest(
  "snapshotMetrics: snapshots queued between train calls and read together give each call's metrics",
  async (ctx) => {
    const c = CASES[0]!;
    const { a, b } = await setupTwins(ctx, c, 43, 4);
    const snaps: (() => Promise<{ loss: Float32Array }>)[] = [];
    const cpuSnaps: (() => Promise<{ loss: Float32Array }>)[] = [];
    const cpuRead: Float32Array[] = [];
    for (let k = 0; k < 4; k++) {
      // No wait on the GPU between the calls: the snapshots are read at the end.
      b.pop.train(b.data, 3);
      snaps.push(b.pop.snapshotMetrics());
      a.pop.train(a.data, 3);
      cpuSnaps.push(a.pop.snapshotMetrics());
      cpuRead.push((await a.pop.readMetrics()).loss);
    }
    const gpu = await Promise.all(snaps.map((read) => read()));
    const cpu = await Promise.all(cpuSnaps.map((read) => read()));
    for (let k = 0; k < 4; k++) {
      // The CPU snapshot is the metrics of its call, as readMetrics then gave them.
      assert.deepEqual(Array.from(cpu[k]!.loss), Array.from(cpuRead[k]!));
      assertClose(gpu[k]!.loss, cpuRead[k]!, { ...TOL, what: `loss after call ${k + 1}` });
    }
    // Each snapshot holds its own call's losses, not the last call's.
    assert.notDeepEqual(Array.from(gpu[0]!.loss), Array.from(gpu[3]!.loss));
  },
);
