/**
 * The CPU meta loop's compacted inner steps (learners/meta_train/cpu_meta_loop.ts): where the
 * support set divides the inner batch, the inner steps run on the support set once, and every
 * method's theta, moments, alpha and log rows match the loop that steps over the whole batch
 * (`compact: false`) over 4 iterations in two calls, up to float rounding; a batch the support set
 * does not divide, and ProtoNet, are not compacted.
 */
import assert from "node:assert/strict";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import type { MetaLoopMethod, MetaLoopReadout } from "../../../learners/meta_train/meta_loop.ts";
import { assertClose } from "../../helpers.ts";
import { blowUpBatch, cpuLoopRuns } from "./_family.ts";

/** Four iterations (3 + 1) of `method` on 3-way 1-shot episodes; the reads and the compaction. */
function runCpu(
  method: MetaLoopMethod,
  batchSize: number,
  compact: boolean,
  o: { batch?: EpisodeBatch; activation?: "tanh" } = {},
): Promise<{ reads: MetaLoopReadout[]; compacted: boolean[] }> {
  return cpuLoopRuns(method, batchSize, { compact }, {
    ...o,
    innerSteps: 3,
    calls: [3, 1],
    seed: 7,
  });
}

const GRADIENT_METHODS = ["reptile", "fomaml", "maml", "meta-sgd", "es-maml"] as const;

for (
  const [method, quarantine] of GRADIENT_METHODS.flatMap((m) => [[m, false], [m, true]] as const)
) {
  const what = quarantine ? ", tasks quarantined by NaN inputs" : "";
  Deno.test(`CpuMetaLoop: ${method}'s inner steps on the support set once match the whole batch${what}`, async () => {
    // batchSize 6 = the support set of 3 twice: compacted to 3 samples per step.
    const o = quarantine ? { batch: blowUpBatch(6), activation: "tanh" as const } : {};
    const want = await runCpu(method, 6, false, o);
    const got = await runCpu(method, 6, true, o);
    const healthy = (r: MetaLoopReadout[]) =>
      r.flatMap((x) => Array.from({ length: x.log.length / 4 }, (_, i) => x.log[4 * i + 2]!));
    assert.deepEqual(healthy(got.reads), healthy(want.reads), "healthy tasks per iteration");
    const all = method === "es-maml" ? 10 : 5;
    // Meta-SGD's inner passes take gradients only (its tasks are not quarantined there), but since
    // 2026-12-03 a task whose query pass gives a NaN loss is left out of its update (meta_healthy,
    // shaders/_meta_mean.wgsl), as every method's.
    assert.equal(healthy(want.reads).some((h) => h < all), quarantine, "some tasks left out");
    assert.deepEqual(want.compacted, [false, false]);
    assert.deepEqual(got.compacted, [true, true]);
    const tol = { atol: 1e-5, rtol: 1e-4 };
    for (let r = 0; r < 2; r++) {
      const [g, w] = [got.reads[r]!, want.reads[r]!];
      assertClose(g.state.theta, w.state.theta, { ...tol, what: `${method} theta ${r}` });
      assertClose(g.state.moments, w.state.moments, { ...tol, what: `${method} moments ${r}` });
      assertClose(g.log, w.log, { atol: 1e-5, rtol: 1e-3, what: `${method} log ${r}` });
      assert.equal(g.state.t, w.state.t);
      if (method === "meta-sgd") {
        assertClose(g.state.alpha!, w.state.alpha!, { ...tol, what: `alpha ${r}` });
      }
    }
    if (!quarantine) assert.ok(want.reads[0]!.log[1]! > 0, "a norm was logged");
  });
}

Deno.test("CpuMetaLoop: no compaction where the support set does not divide the batch, nor for ProtoNet", async () => {
  for (const method of GRADIENT_METHODS) {
    assert.deepEqual((await runCpu(method, 4, true)).compacted, [false, false], method);
    assert.deepEqual((await runCpu(method, 3, true)).compacted, [false, false], method);
  }
  assert.deepEqual((await runCpu("protonet", 6, true)).compacted, [false, false]);
});
