/**
 * The GPU meta loop whose inner steps run the two-hidden-layer fused train step
 * (learners/mlp/mlp_fused2.ts: widths multiples of 4, a support set of 3 samples) against its CPU
 * twin over 3 meta-iterations, FOMAML and second-order MAML, with the compacted inner population
 * that the glyph meta-training uses.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import type {
  MetaLoop,
  MetaLoopMethod,
  MetaLoopReadout,
  MetaLoopSpec,
} from "../../../learners/meta_train/mod.ts";
import { chooseGrouping, SOFTWARE_GROUPINGS } from "../../../learners/mlp/loop_budget.ts";
import { fused2Shape } from "../../../learners/mlp/mlp_fused2.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { directGpuLoop, family } from "./_family.ts";

const WIDTHS = [8, 12, 8, 3];

/** 3 meta-iterations of `method` (inner batch 6: twice the support set), read once. */
async function run(
  backend: Backend,
  method: MetaLoopMethod,
  create: (spec: MetaLoopSpec) => Promise<MetaLoop>,
): Promise<MetaLoopReadout> {
  const batch = family(8, 5).sampleEpisodes(4, 20);
  const data = backend.uploadDataset(batch.dataset);
  const spec = {
    method,
    widths: WIDTHS,
    batchSize: 6,
    metaBatch: 5,
    innerSteps: 2,
    innerLr: 0.3,
    metaLr: 0.02,
  };
  const loop = await create(spec);
  const stride = mlpLayout({ size: 1, widths: WIDTHS, batchSize: 6 }).stride;
  const rng = new Rng(6);
  const theta = Float32Array.from({ length: stride }, () => 0.5 * rng.normal());
  loop.write({ theta, moments: new Float32Array(4 * stride), t: 0 });
  loop.run(batch, data, Uint32Array.from({ length: 15 }, () => rng.int(20)));
  const out = await loop.read();
  loop.destroy();
  data.destroy();
  return out;
}

for (const method of ["fomaml", "maml"] as const) {
  gpuTest(
    `GpuMetaLoop with fused2 inner steps matches CpuMetaLoop over 3 ${method} iterations`,
    async (ctx) => {
      const gpu = await GpuBackend.create(ctx);
      const inner = mlpLayout({ size: 5, widths: WIDTHS, batchSize: 3 });
      if (ctx.software) {
        assert.ok(
          fused2Shape(inner, chooseGrouping(inner, SOFTWARE_GROUPINGS)),
          "inner runs fused2",
        );
      }
      const made: number[] = [];
      const want = await run(
        new CpuBackend(),
        method,
        (spec) => new CpuBackend().createMetaLoop(spec),
      );
      const got = await run(
        gpu,
        method,
        (spec) => directGpuLoop(ctx, gpu, spec, { made }),
      );
      assert.deepEqual(made, [3], "the inner steps run on a compacted population of batch 3");
      const tol = { atol: 1e-5, rtol: 1e-4 };
      assertClose(got.state.theta, want.state.theta, { ...tol, what: `${method} theta` });
      assertClose(got.state.moments, want.state.moments, { ...tol, what: "moments" });
      assertClose(got.log, want.log, { atol: 1e-5, rtol: 1e-3, what: "log" });
      assert.equal(got.state.t, 3);
    },
  );
}
