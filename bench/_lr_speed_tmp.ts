import { GpuBackend } from "../learners/gpu/gpu_backend.ts";
import { benchMetaTrain, metaTrainFamily, sinusoidWorkload } from "../bench/metatrain.ts";
const gpu = await GpuBackend.create();
const old = await GpuBackend.create(gpu.ctx, { metaLoop: "per-model" });
const w = Deno.args[0] === "sin" ? sinusoidWorkload() : await metaTrainFamily();
const mb = Number(Deno.args[1] ?? 32);
for (let rep = 0; rep < 2; rep++) {
  for (const [name, b] of [["per-model", old], ["factored", gpu]] as const) {
    const r = await benchMetaTrain(b, w, { path: "train", metaBatch: mb, minSeconds: 2 });
    console.log(name, mb, r.itersPerSecond.toFixed(2), "it/s", r.cpuMsPerIteration.toFixed(1), "CPU-ms", r.iterations);
  }
}
console.log(Deno.loadavg());
