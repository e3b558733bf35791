/**
 * Bench of the black-box strategies: CMA-ES generations per second for S = 64 concurrent runs at
 * D = 40 and 100 on the sphere (BBOB f1), on the GPU (`GpuStrategy.runDevice`: ask, evaluation,
 * best-so-far and tell on the device, the lazy eigendecomposition on the host), on the CPU twins,
 * and in NumPy (bench/peers_cma.py run by the `python3` on PATH, the same update batched;
 * skipped with a reason without numpy).
 *
 * Usage: deno run -A bench/strategies.ts [--seconds S]
 * @module
 */
import { parseArgs } from "node:util";
import { GpuContext, GpuUnavailableError } from "../core/gpu_context.ts";
import { BbobDevice } from "../learners/strategies/bbob_device.ts";
import { GpuStrategy } from "../learners/strategies/gpu_strategy.ts";
import { getStrategy } from "../learners/strategies/registry.ts";
import { askCpu, type StrategyConfig } from "../learners/strategies/strategy.ts";
import { bbobBatch, bbobInstance } from "../learners/tasks/bbob.ts";

const S = 64;

function setup(dim: number) {
  const strategy = getStrategy("cma-es");
  const config: StrategyConfig = { instances: S, dim, popSize: strategy.defaultPopSize(dim) };
  const params = strategy.defaultParams(config);
  const state = strategy.init(config, params, { mean: 0, sigma: 2, seed: 1 });
  const insts = Array.from({ length: S }, (_, k) => bbobInstance(1, dim, k, 0));
  return { strategy, config, params, state, insts };
}

/** Generations per second of the CPU twins (ask, evaluate, tell) over at least `seconds`. */
function cpuRate(dim: number, seconds: number): number {
  const { strategy, config, params, state, insts } = setup(dim);
  const n = config.popSize;
  const t0 = performance.now();
  let g = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const batch = askCpu(config, state, false);
    const f = new Float64Array(S * n);
    insts.forEach((o, s) =>
      f.set(bbobBatch(o, batch.x.subarray(s * n * dim, (s + 1) * n * dim), n), s * n)
    );
    strategy.tell(config, params, state, batch, f);
    g++;
  }
  return g / ((performance.now() - t0) / 1000);
}

/** Generations per second on the device, `chunk` generations per call (after one warm-up call). */
async function gpuRate(ctx: GpuContext, dim: number, seconds: number): Promise<number> {
  const { config, params, state, insts } = setup(dim);
  const gpu = await GpuStrategy.create(ctx, "cma-es", config, params, state);
  const dev = await BbobDevice.create(ctx, insts);
  await gpu.runDevice(dev, 2);
  await gpu.readState();
  const t0 = performance.now();
  let g = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await gpu.runDevice(dev, 16);
    g += 16;
  }
  await gpu.readState();
  const rate = g / ((performance.now() - t0) / 1000);
  gpu.destroy();
  dev.destroy();
  return rate;
}

/** NumPy peer's generations per second, or why it did not run. */
async function numpyRate(dim: number, seconds: number): Promise<number | string> {
  const script = new URL("./peers_cma.py", import.meta.url).pathname;
  try {
    const out = await new Deno.Command("python3", {
      args: [script, String(S), String(dim), String(seconds)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
      return /numpy/.test(err) ? "NumPy not installed (apt-get install python3-numpy)" : err;
    }
    return Number(new TextDecoder().decode(out.stdout).trim());
  } catch (e) {
    return `python3 not runnable: ${(e as Error).message}`;
  }
}

const { values } = parseArgs({ options: { seconds: { type: "string", default: "3" } } });
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  console.error(`--seconds must be a number > 0: current value is ${values.seconds}`);
  Deno.exit(2);
}
const ctx = await GpuContext.create().catch((e) => {
  if (e instanceof GpuUnavailableError) return e.message;
  throw e;
});
console.log(typeof ctx === "string" ? `GPU skipped: ${ctx}` : ctx.describe());
console.log(`CMA-ES, ${S} concurrent runs on the sphere: generations/s (all runs together)`);
console.log("D    gpu      cpu-twin  numpy");
for (const dim of [40, 100]) {
  const gpu = typeof ctx === "string" ? "-" : (await gpuRate(ctx, dim, seconds)).toFixed(2);
  const cpu = cpuRate(dim, seconds).toFixed(2);
  const np = await numpyRate(dim, seconds);
  console.log(
    `${dim}`.padEnd(5) + gpu.padEnd(9) + cpu.padEnd(10) +
      (typeof np === "number" ? np.toFixed(2) : np),
  );
}
