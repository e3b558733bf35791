/**
 * Reptile and FOMAML on the backend's meta loop (meta/few_shot/loop_runner.ts): `step` gives
 * bit-for-bit the theta of the composition it replaced (InnerLoop.adapt, the population's
 * gradients and the meta-update twin) on the CPU backend; `validateAdapted` gives the last point
 * of `evaluate`'s curve; `train` on the GPU matches `train` on the CPU twin with validation.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { flagRows } from "../../../learners/meta_train/meta_mean.ts";
import {
  fomamlUpdateCpu,
  metaSgdInnerCpu,
  metaSgdUpdateCpu,
  reptileUpdateCpu,
} from "../../../learners/meta_train/mod.ts";
import { SyntheticClassification } from "../../../learners/tasks/synthetic_classification.ts";
import {
  createMetaLearner,
  type EpisodePool,
  initialTheta,
  InnerLoop,
  type MetaKnobs,
  type MetaSgd,
  tileParams,
  validate,
  validateAdapted,
} from "../../../meta/few_shot/mod.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { allIds, type FewShotProblem, fewShotProblem, trainValidated } from "./_problem.ts";

const FAMILY = new SyntheticClassification({ inputs: 7, ways: 3, shots: 1, queryPerClass: 2 });
const KNOBS: MetaKnobs = { innerLr: 0.3, innerSteps: 2, metaLr: 0.05 };

function setup(backend: Backend): FewShotProblem {
  const net = { widths: [7, 11, 3], batchSize: 6 };
  return fewShotProblem(backend, FAMILY, { net, pool: [5, 30], val: [6, 9] });
}

/** The step of Reptile or FOMAML as composed before the meta loop (host state). */
async function referenceStep(
  method: "reptile" | "fomaml",
  loop: InnerLoop,
  pool: EpisodePool,
  ids: Uint32Array,
  s: { theta: Float32Array; moments: Float32Array; t: number },
): Promise<void> {
  const { stride, paramCount } = loop.layout;
  const P = ids.length;
  const o = { count: paramCount, models: P, rowStride: stride };
  const options = { lr: KNOBS.innerLr, steps: KNOBS.innerSteps, querySlot: method === "fomaml" };
  await loop.adapt(pool, ids, tileParams(s.theta, P, stride), options, async ({ pop }) => {
    if (method === "reptile") {
      const metrics = flagRows([], P, stride, 0, (await pop.readMetrics()).diverged);
      reptileUpdateCpu({ adapted: await pop.readParams(), metrics, theta: s.theta }, {
        ...o,
        metaLr: KNOBS.metaLr,
      });
    } else {
      const g = await pop.gradients(pool.data);
      const metrics = flagRows([], P, stride, 0, g.diverged);
      fomamlUpdateCpu(
        { grads: g.grads, metrics, theta: s.theta, moments: s.moments },
        { ...o, lr: KNOBS.metaLr, t: ++s.t, vOffset: stride },
      );
    }
  });
}

for (const method of ["reptile", "fomaml"] as const) {
  Deno.test(`${method}.step on the CPU meta loop equals the composed reference step`, async () => {
    const { loop, pool } = setup(new CpuBackend());
    const theta0 = await initialTheta(loop, 3);
    const learner = createMetaLearner(method, loop, theta0, KNOBS);
    const ref = {
      theta: Float32Array.from(theta0),
      moments: new Float32Array(2 * theta0.length),
      t: 0,
    };
    const rng = new Rng(8);
    for (let it = 0; it < 3; it++) {
      const ids = Uint32Array.from({ length: 4 }, () => rng.int(pool.size));
      const row = await learner.step(pool, ids);
      await referenceStep(method, loop, pool, ids, ref);
      assert.equal(row.tasks_used, 4);
    }
    assert.deepEqual(Array.from(learner.theta), Array.from(ref.theta));
  });
}

Deno.test("validateAdapted gives the last point of the evaluate curve", async () => {
  const { loop, val } = setup(new CpuBackend());
  const learner = createMetaLearner("fomaml", loop, await initialTheta(loop, 4), KNOBS);
  const ids = allIds(val);
  for (const metric of ["accuracy", "loss"] as const) {
    const v = { pool: val, ids, metric, steps: 3 };
    assert.equal(await validateAdapted(loop, learner.theta, KNOBS, v), await validate(learner, v));
  }
});

for (const method of ["reptile", "fomaml"] as const) {
  gpuTest(
    `${method}.train on the GPU matches train on the CPU twin (7 iterations)`,
    async (ctx) => {
      const results = [];
      for (const backend of [new CpuBackend(), await GpuBackend.create(ctx)]) {
        const p = setup(backend);
        const { loop } = p;
        const theta0 = await initialTheta(new InnerLoop(new CpuBackend(), loop.spec), 3);
        const learner = createMetaLearner(method, loop, theta0, KNOBS);
        const o = { iterations: 7, metaBatch: 5, seed: 2, validateEvery: 3 };
        const r = await trainValidated(learner, p, o, "loss");
        results.push({ theta: Float32Array.from(learner.theta), rows: r.rows });
        loop.destroy();
      }
      const [cpu, gpu] = results;
      assertClose(gpu!.theta, cpu!.theta, { atol: 1e-5, rtol: 1e-4, what: `${method} theta` });
      assert.deepEqual(gpu!.rows.map((r) => r.iteration), [3, 6, 7]);
      for (let i = 0; i < cpu!.rows.length; i++) {
        const keys = Object.keys(cpu!.rows[i]!);
        assert.deepEqual(Object.keys(gpu!.rows[i]!), keys);
        const vals = (r: Record<string, number>) => keys.map((k) => r[k]!);
        assertClose(vals(gpu!.rows[i]!), vals(cpu!.rows[i]!), {
          atol: 1e-4,
          rtol: 1e-3,
          what: `row ${i}`,
        });
      }
    },
  );
}

Deno.test("Maml with firstOrder gives Fomaml's theta; second order moves theta elsewhere", async () => {
  const { loop, pool } = setup(new CpuBackend());
  const theta0 = await initialTheta(loop, 5);
  const o = { iterations: 3, metaBatch: 4, seed: 1, validateEvery: 3 };
  const thetas: Float32Array[] = [];
  for (const [name, firstOrder] of [["fomaml", false], ["maml", true], ["maml", false]] as const) {
    const l = createMetaLearner(name, loop, theta0, { ...KNOBS, firstOrder });
    await l.train(pool, o);
    thetas.push(l.theta);
  }
  assert.deepEqual(Array.from(thetas[1]!), Array.from(thetas[0]!));
  assert.notDeepEqual(Array.from(thetas[2]!), Array.from(thetas[0]!));
});

/** Meta-SGD's step as it was composed before the meta loop (host inner steps and update). */
async function referenceMetaSgdStep(
  loop: InnerLoop,
  pool: EpisodePool,
  ids: Uint32Array,
  s: { theta: Float32Array; alpha: Float32Array; moments: Float32Array; t: number },
): Promise<void> {
  const { stride, paramCount } = loop.layout;
  const P = ids.length;
  const B = loop.spec.batchSize;
  const rows = tileParams(s.theta, P, stride);
  const { pop, gathered } = loop.load(pool, ids, rows, { lr: 0, supportSlots: 1, querySlot: true });
  const pick = (slot: number) => {
    const out = new Uint32Array(P * B);
    for (let p = 0; p < P; p++) {
      out.set(gathered.batches.subarray((2 * p + slot) * B, (2 * p + slot + 1) * B), p * B);
    }
    return out;
  };
  pop.setBatches(pick(0), 1);
  const sumG = new Float32Array(P * stride);
  for (let k = 0; k < KNOBS.innerSteps; k++) {
    const g = (await pop.gradients(pool.data)).grads;
    metaSgdInnerCpu({ grads: g, alpha: s.alpha, rows, sumG }, {
      models: P,
      count: paramCount,
      stride,
    });
    pop.writeParams(rows);
  }
  pop.setBatches(pick(1), 1);
  const gq = (await pop.gradients(pool.data)).grads;
  metaSgdUpdateCpu(
    {
      queryGrads: gq,
      supportGradSums: sumG,
      metrics: flagRows([gq, sumG], P, stride, paramCount),
      ...s,
    },
    {
      count: paramCount,
      models: P,
      rowStride: stride,
      lr: KNOBS.metaLr,
      alphaLr: KNOBS.metaLr * KNOBS.innerLr,
      alphaMax: 10 * KNOBS.innerLr,
      t: ++s.t,
    },
  );
}

Deno.test("meta-sgd.step on the CPU meta loop equals the composed reference step", async () => {
  const { loop, pool } = setup(new CpuBackend());
  const theta0 = await initialTheta(loop, 6);
  const learner = createMetaLearner("meta-sgd", loop, theta0, KNOBS) as MetaSgd;
  const ref = {
    theta: Float32Array.from(theta0),
    alpha: new Float32Array(theta0.length).fill(KNOBS.innerLr),
    moments: new Float32Array(4 * loop.layout.paramCount),
    t: 0,
  };
  const rng = new Rng(4);
  for (let it = 0; it < 3; it++) {
    const ids = Uint32Array.from({ length: 4 }, () => rng.int(pool.size));
    await learner.step(pool, ids);
    await referenceMetaSgdStep(loop, pool, ids, ref);
  }
  assert.deepEqual(Array.from(learner.theta), Array.from(ref.theta));
  assert.deepEqual(Array.from(learner.alpha), Array.from(ref.alpha));
});

Deno.test("loadState rejects a bad t or a wrong length in one line naming it, state unchanged", async () => {
  const { loop } = setup(new CpuBackend());
  const learner = createMetaLearner("meta-sgd", loop, await initialTheta(loop, 7), KNOBS);
  const good = learner.saveState!();
  const before = JSON.stringify(learner.saveState!());
  const cases: [Partial<typeof good>, RegExp][] = [
    [{ t: -1 }, /^Cannot load meta-sgd state as t must be an integer >= 0: current value is -1$/],
    [{ t: 1.5 }, /^Cannot load meta-sgd state as t must be an integer >= 0: current value is 1.5$/],
    [
      { theta: good.theta.subarray(1) },
      new RegExp(
        `^Cannot load meta-sgd state as theta must have ${good.theta.length} entries: current value is ${
          good.theta.length - 1
        }$`,
      ),
    ],
    [
      { alpha: undefined },
      /^Cannot load meta-sgd state as alpha must have \d+ entries: current value is 0$/,
    ],
  ];
  for (const [change, message] of cases) {
    assert.throws(
      () => learner.loadState!({ ...good, ...change }),
      (e) => e instanceof RangeError && message.test(e.message),
    );
  }
  assert.equal(JSON.stringify(learner.saveState!()), before);
});
