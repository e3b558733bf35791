/**
 * Meta-learners on a tiny fixed-seed synthetic problem (CPU backend, exact and deterministic):
 * each meta-learned initialization beats its starting initialization on held-out tasks after the
 * same inner steps; the meta-update twins; determinism; GPU inner loops against the CPU path.
 */
import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import {
  type EpisodePool,
  EsMaml,
  Fomaml,
  initialTheta,
  InnerLoop,
  type MetaKnobs,
  type MetaLearner,
  MetaSgd,
  Reptile,
} from "../../../meta/few_shot/mod.ts";
import { esGradient, reptileUpdateCpu } from "../../../learners/meta_train/mod.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { allIds, type FewShotProblem, fewShotProblem, TINY_FAMILY } from "./_problem.ts";

const FAMILY = TINY_FAMILY;
const KNOBS: MetaKnobs = { innerLr: 0.3, innerSteps: 3, metaLr: 0.01 };

/** The problem: `pool` trains, `val` is the held-out test set. */
function setup(backend: Backend): FewShotProblem {
  const net = { widths: [8, 16, 3], batchSize: 9 };
  return fewShotProblem(backend, FAMILY, { net, pool: [11, 64], val: [99, 48] });
}

async function heldOutAccuracy(l: MetaLearner, test: EpisodePool): Promise<number> {
  const ids = allIds(test);
  const c = await l.evaluate(test, ids, l.knobs.innerSteps);
  const a = c.accuracy[l.knobs.innerSteps]!;
  return a.reduce((x, y) => x + y, 0) / a.length;
}

async function train(
  l: { step: MetaLearner["step"] },
  pool: EpisodePool,
  iters: number,
  batch: number,
) {
  const rng = new Rng(5);
  for (let i = 0; i < iters; i++) {
    await l.step(pool, Uint32Array.from({ length: batch }, () => rng.int(pool.size)));
  }
}

/** [name, factory, meta-iterations, margin over the starting init's held-out accuracy]. */
const CASES: [string, (loop: InnerLoop, theta: Float32Array) => MetaLearner, number, number][] = [
  ["Reptile", (loop, t) => new Reptile(loop, t, { ...KNOBS, metaLr: 0.5 }), 40, 0.05],
  ["Fomaml", (loop, t) => new Fomaml(loop, t, { ...KNOBS, metaLr: 0.02 }), 150, 0.04],
  [
    "EsMaml",
    (loop, t) => new EsMaml(loop, t, { ...KNOBS, metaLr: 0.02 }, { sigma: 0.05, seed: 1 }),
    200,
    0.03,
  ],
  ["MetaSgd", (loop, t) => new MetaSgd(loop, t, KNOBS), 40, 0.04],
];

for (const [name, make, iters, margin] of CASES) {
  Deno.test(`${name} meta-learned init beats its starting init on held-out tasks by >= ${margin}`, async () => {
    const { loop, pool, val: test } = setup(new CpuBackend());
    const theta = await initialTheta(loop, 3);
    const before = make(loop, theta);
    const accBefore = await heldOutAccuracy(before, test);
    const l = make(loop, theta);
    await train(l, pool, iters, 8);
    const accAfter = await heldOutAccuracy(l, test);
    console.log(`${name}: held-out accuracy ${accBefore.toFixed(3)} -> ${accAfter.toFixed(3)}`);
    assert.ok(
      accAfter >= accBefore + margin,
      `${name}: held-out accuracy ${accAfter} must be >= ${accBefore} + ${margin}`,
    );
  });
}

Deno.test("Fomaml is deterministic: the same seed gives a bit-identical initialization", async () => {
  const run = async (): Promise<Float32Array> => {
    const { loop, pool } = setup(new CpuBackend());
    const l = new Fomaml(loop, await initialTheta(loop, 3), KNOBS);
    await train(l, pool, 5, 4);
    return l.theta;
  };
  assert.deepEqual(await run(), await run());
});

Deno.test("reptileUpdateCpu moves theta by metaLr toward the mean of unquarantined rows", () => {
  const theta = Float32Array.from([1, 2, 0, 0]);
  const adapted = Float32Array.from([3, 2, 0, 0, 5, 6, 0, 0, 9, 1, 0, 0]);
  const metrics = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]); // model 2 quarantined
  const used = reptileUpdateCpu({ adapted, metrics, theta }, {
    count: 2,
    models: 3,
    rowStride: 4,
    metaLr: 0.5,
  });
  assert.deepEqual(Array.from(theta), [2.5, 3, 0, 0]); // mean (4, 4): 1 + 0.5*3, 2 + 0.5*2
  assert.equal(used, 2);
});

Deno.test("esGradient of a linear loss estimates its gradient (antithetic pairs)", () => {
  const n = 400;
  const d = 5;
  const a = [1, -2, 0.5, 0, 3];
  const rng = new Rng(1);
  const noise = new Float64Array(n * d);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
  const sigma = 0.1;
  const losses = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    let dot = 0;
    for (let i = 0; i < d; i++) dot += a[i]! * noise[j * d + i]!;
    losses[2 * j] = 7 + sigma * dot;
    losses[2 * j + 1] = 7 - sigma * dot;
  }
  const g = esGradient(losses, noise, d, sigma);
  assertClose(g, a, { atol: 0.5, rtol: 0.15, what: "ES gradient" });
});

gpuTest("InnerLoop.adapt on the GPU matches the CPU path (Reptile meta-update rows)", async () => {
  const gpu = await GpuBackend.create();
  try {
    const rows: Float32Array[] = [];
    for (const backend of [new CpuBackend(), gpu] as Backend[]) {
      const { loop, pool } = setup(backend);
      const theta = await initialTheta(new InnerLoop(new CpuBackend(), loop.spec), 3);
      const ids = Uint32Array.from([0, 5, 9, 17, 33]);
      const options = { lr: [0.3, 0.1, 0.3, 0.2, 0.3], steps: [3, 1, 2, 3, 0], querySlot: true };
      await loop.adapt(pool, ids, { tile: theta }, options, async ({ pop }) => {
        rows.push(Float32Array.from(await pop.readParams()));
        rows.push(Float32Array.from((await pop.gradients(pool.data)).grads));
      });
      loop.destroy();
    }
    assertClose(rows[2]!, rows[0]!, { atol: 1e-5, rtol: 1e-4, what: "adapted params" });
    assertClose(rows[3]!, rows[1]!, { atol: 1e-5, rtol: 1e-4, what: "query gradients" });
  } finally {
    gpu.destroy();
  }
});
