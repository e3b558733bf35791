// Parity of the strategy kernels (es_ask, es_rank and each strategy's tell) with their CPU twins:
// seeded states, sizes that are not multiples of the workgroup size, mixed tolerance.
import { equal as assertEquals } from "node:assert/strict";
import { assertClose, gpuTest } from "../../helpers.ts";
import { Rng } from "../../../core/rng.ts";
import {
  askCpu,
  rankWeightsCpu,
  type StrategyConfig,
} from "../../../learners/strategies/strategy.ts";
import { GpuStrategy } from "../../../learners/strategies/gpu_strategy.ts";
import { getStrategy, STRATEGIES } from "../../../learners/strategies/registry.ts";
import { CMA_ES, cmaDecompose } from "../../../learners/strategies/cma_es.ts";

const TOL = { atol: 2e-5, rtol: 2e-4 };

/** Config, params and a state advanced a few CPU generations (so paths and moments are non-zero). */
function seededCase(name: keyof typeof STRATEGIES, config: StrategyConfig, extra = {}) {
  const strategy = getStrategy(name);
  const params: Record<string, number> = { ...strategy.defaultParams(config), ...extra };
  const rng = new Rng(7, 1);
  const mean = Array.from({ length: config.instances * config.dim }, () => rng.range(-2, 2));
  const state = strategy.init(config, params, { mean, sigma: 0.7, seed: 11 });
  for (let g = 0; g < 3; g++) {
    const batch = askCpu(config, state, strategy.antithetic);
    const f = Float64Array.from({ length: config.instances * config.popSize }, () => rng.normal());
    strategy.tell(config, params, state, batch, f);
  }
  // Full CMA-ES: a fresh eigenbasis, so the ask's transform is not the identity.
  if (name === "cma-es" && !params.separable) cmaDecompose(config, params as never, state);
  return { strategy, params, state, rng };
}

for (const name of Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[]) {
  const config = { instances: 3, dim: 37, popSize: name === "cma-es" ? 13 : 14 };
  gpuTest(`GpuStrategy ask and tell match askCpu and ${name} tell when S=3, D=37`, async (ctx) => {
    const { strategy, params, state, rng } = seededCase(name, config);
    const gpu = await GpuStrategy.create(ctx, name, config, params, state);
    const x = await gpu.ask();
    const batch = askCpu(config, state, strategy.antithetic);
    assertClose(x, batch.x, { ...TOL, what: `${name} x` });
    const f = Float64Array.from({ length: config.instances * config.popSize }, () => rng.normal());
    await gpu.tell(f);
    strategy.tell(config, params, state, batch, f);
    const got = await gpu.readState();
    assertEquals(got.generation, state.generation);
    assertClose(got.mean, state.mean, { ...TOL, what: `${name} mean` });
    assertClose(got.scale, state.scale, { ...TOL, what: `${name} scale` });
    for (const key of Object.keys(state.aux)) {
      if (key === "B") continue; // B is host-computed from C (checked by the C comparison)
      assertClose(got.aux[key]!, state.aux[key]!, { ...TOL, what: `${name} ${key}` });
    }
    gpu.destroy();
  });
}

gpuTest("es_rank kernel matches rankWeightsCpu() with ties and NaN when S=5, N=77", async (ctx) => {
  const config = { instances: 5, dim: 3, popSize: 77 };
  const rng = new Rng(3, 0);
  const f = Float64Array.from({ length: 5 * 77 }, () => Math.round(rng.normal() * 3));
  f[4] = NaN;
  f[80] = NaN;
  const params = STRATEGIES.snes.defaultParams(config);
  const state = STRATEGIES.snes.init(config, params, { mean: 0, sigma: 1, seed: 1 });
  const gpu = await GpuStrategy.create(ctx, "snes", config, params as never, state);
  await gpu.tell(f);
  const want = rankWeightsCpu(config, f, STRATEGIES.snes.weightTable(config, params));
  assertClose(await gpu.readWeights(), want, { atol: 1e-7, rtol: 1e-6, what: "weights" });
  // Every instance's weights are a permutation of the table: ranks are distinct.
  const sorted = Array.from(want.slice(77, 154)).sort((a, b) => b - a);
  assertClose(sorted, STRATEGIES.snes.weightTable(config, params), { atol: 0, rtol: 0 });
  gpu.destroy();
});

gpuTest("GpuStrategy runs sep-CMA-ES (D=300 > 256) like its twin", async (ctx) => {
  const config = { instances: 2, dim: 300, popSize: 21 };
  const { params, state, rng } = seededCase("cma-es", config);
  assertEquals(params.separable, 1);
  const gpu = await GpuStrategy.create(ctx, "cma-es", config, params, state);
  const x = await gpu.ask();
  const batch = askCpu(config, state, false);
  assertClose(x, batch.x, { ...TOL, what: "x" });
  const f = Float64Array.from({ length: 2 * 21 }, () => rng.normal());
  await gpu.tell(f);
  CMA_ES.tell(config, params as never, state, batch, f);
  const got = await gpu.readState();
  assertClose(got.aux.C!, state.aux.C!, { ...TOL, what: "diag C" });
  assertClose(got.scale, state.scale, { ...TOL, what: "scale" });
  gpu.destroy();
});
