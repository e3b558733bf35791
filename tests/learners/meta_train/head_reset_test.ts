/**
 * MetaLoopSpec.headReset (Kao et al. 2022's zeroing trick): theta's output layer set to zero after
 * every meta-update. The GPU loop against its CPU twin with the reset on; the head exactly zero
 * after training and the rest of theta not that of a run without the reset; the switch off equal to
 * no switch; the factored loop serves it (its parity with the per-model loop with the reset on:
 * lowrank_loop_test.ts); the learners pass it through.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  headRanges,
  lowrankApplies,
  type MetaLoop,
  type MetaLoopMethod,
  type MetaLoopReadout,
  type MetaLoopSpec,
  resetHead,
} from "../../../learners/meta_train/mod.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { createMetaLearner } from "../../../meta/few_shot/registry.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { fewShotProblem, TINY_FAMILY } from "../../meta/few_shot/_problem.ts";
import { directGpuLoop, family, startState } from "./_family.ts";

const WIDTHS = [6, 9, 3];
const LAYOUT = mlpLayout({ size: 1, widths: WIDTHS, batchSize: 4 });
const METHODS = ["fomaml", "maml", "meta-sgd", "reptile"] as const;

/** Whether float `i` of a row is in the output layer (weights [63, 90), bias [90, 93)). */
const inHead = (i: number) => i >= LAYOUT.weightOffset[1]! && i < LAYOUT.biasOffset[1]! + 3;

/** Runs 3 then 1 iterations of `method` (headReset `reset`) on `backend`; the two reads. */
async function runLoop(
  backend: Backend,
  method: MetaLoopMethod,
  reset: boolean | undefined,
  create: (spec: MetaLoopSpec) => Promise<MetaLoop> = (spec) => backend.createMetaLoop(spec),
): Promise<MetaLoopReadout[]> {
  const batch = family(6, 1).sampleEpisodes(4, 20);
  const data = backend.uploadDataset(batch.dataset);
  const spec: MetaLoopSpec = {
    method,
    widths: WIDTHS,
    batchSize: 4,
    metaBatch: 5,
    innerSteps: 2,
    innerLr: 0.3,
    metaLr: method === "reptile" ? 0.5 : 0.02,
  };
  const loop = await create(reset === undefined ? spec : { ...spec, headReset: reset });
  const rng = new Rng(2);
  loop.write(startState(rng, LAYOUT.stride));
  const out: MetaLoopReadout[] = [];
  for (const n of [3, 1]) {
    loop.run(batch, data, Uint32Array.from({ length: 5 * n }, () => rng.int(20)));
    out.push(await loop.read());
  }
  loop.destroy();
  data.destroy();
  return out;
}

/** The head of `theta` is exactly zero and its other floats differ from `plain`'s. */
function assertReset(theta: Float32Array, plain: Float32Array, what: string): void {
  let differ = 0;
  for (let i = 0; i < LAYOUT.paramCount; i++) {
    if (inHead(i)) assert.equal(theta[i], 0, `${what}: head float ${i}`);
    else if (theta[i] !== plain[i]) differ++;
  }
  assert.ok(differ > 0, `${what}: the body differs from a run without the reset`);
  assert.ok(plain.subarray(63, 93).some((x) => x !== 0), `${what}: the plain run's head moved`);
}

Deno.test("headRanges covers the output layer's weights and bias in one range", () => {
  assert.deepEqual(headRanges(LAYOUT), [[63, 93]]);
  const deep = mlpLayout({ size: 1, widths: [5, 4, 7, 2], batchSize: 4 });
  const w = deep.weightOffset[2]!;
  assert.deepEqual(headRanges(deep), [[w, w + 7 * 2 + 2]]);
  const theta = new Float32Array(deep.stride).fill(1);
  resetHead(theta, deep);
  for (let i = 0; i < deep.stride; i++) {
    const head = i >= w && i < w + 16;
    assert.equal(theta[i], head ? 0 : 1, `float ${i}`);
  }
});

Deno.test("the factored loop serves headReset", () => {
  const spec: MetaLoopSpec = {
    method: "fomaml",
    widths: WIDTHS,
    batchSize: 4,
    metaBatch: 2,
    innerSteps: 1,
    innerLr: 0.1,
    metaLr: 0.01,
  };
  assert.equal(lowrankApplies(spec), true);
  assert.equal(lowrankApplies({ ...spec, headReset: false }), true);
  assert.equal(lowrankApplies({ ...spec, headReset: true }), true);
  assert.equal(lowrankApplies({ ...spec, method: "maml", headReset: true }), false);
});

for (const method of METHODS) {
  Deno.test(`CpuMetaLoop's headReset zeroes the head of ${method} after every update`, async () => {
    const cpu = new CpuBackend();
    const [reset, plain, off] = [
      await runLoop(cpu, method, true),
      await runLoop(cpu, method, undefined),
      await runLoop(cpu, method, false),
    ];
    for (let r = 0; r < 2; r++) {
      assertReset(reset[r]!.state.theta, plain[r]!.state.theta, `${method} read ${r}`);
      assert.deepEqual(off[r], plain[r], `${method} read ${r}: false equals no switch`);
    }
  });

  gpuTest(
    `GpuMetaLoop matches CpuMetaLoop over 4 ${method} iterations with headReset`,
    async (ctx) => {
      const gpu = await GpuBackend.create(ctx);
      const direct = (spec: MetaLoopSpec) =>
        directGpuLoop(ctx, gpu, spec, { iterationsPerSubmit: 2 });
      const want = await runLoop(new CpuBackend(), method, true);
      const got = await runLoop(gpu, method, true, direct);
      const plain = await runLoop(gpu, method, undefined, direct);
      const off = await runLoop(gpu, method, false, direct);
      const tol = { atol: 1e-5, rtol: 1e-4 };
      for (let r = 0; r < want.length; r++) {
        const [g, w] = [got[r]!.state, want[r]!.state];
        assertClose(g.theta, w.theta, { ...tol, what: `${method} theta ${r}` });
        assertClose(g.moments, w.moments, { ...tol, what: `moments ${r}` });
        assertClose(got[r]!.log, want[r]!.log, { atol: 1e-5, rtol: 1e-3, what: `log ${r}` });
        if (method === "meta-sgd") assertClose(g.alpha!, w.alpha!, { ...tol, what: `alpha ${r}` });
        assert.equal(g.t, w.t);
        assertReset(g.theta, plain[r]!.state.theta, `gpu ${method} read ${r}`);
        assert.deepEqual(off[r], plain[r], `gpu ${method} read ${r}: false equals no switch`);
      }
    },
  );
}

Deno.test("loop-run learners pass headReset to the loop; off, theta as without the option", async () => {
  const cpu = new CpuBackend();
  const run = async (name: string, headReset?: boolean) => {
    const p = fewShotProblem(cpu, TINY_FAMILY, {
      net: { widths: [8, 8, 3], batchSize: 4 },
      pool: [1, 12],
      val: [2, 4],
    });
    const L = p.loop.layout;
    const theta = startState(new Rng(3), L.stride).theta;
    const knobs = { innerLr: 0.2, innerSteps: 2, metaLr: name === "reptile" ? 0.5 : 0.01 };
    const learner = createMetaLearner(name, p.loop, theta, { ...knobs, headReset });
    await learner.step(p.pool, Uint32Array.from([0, 1, 2, 3]));
    await learner.step(p.pool, Uint32Array.from([4, 5, 6, 7]));
    const out = learner.theta.slice();
    p.loop.destroy();
    return { out, head: headRanges(L)[0]! };
  };
  for (const name of ["fomaml", "maml", "meta-sgd", "reptile"]) {
    const [reset, plain, off] = [await run(name, true), await run(name), await run(name, false)];
    const [start, end] = reset.head;
    assert.ok(reset.out.subarray(start, end).every((x) => x === 0), `${name}: head zero`);
    assert.ok(plain.out.subarray(start, end).some((x) => x !== 0), `${name}: plain head moved`);
    assert.ok(
      reset.out.subarray(0, start).some((x, i) => x !== plain.out[i]),
      `${name}: body differs`,
    );
    assert.deepEqual(off.out, plain.out, `${name}: false equals no option`);
  }
});
