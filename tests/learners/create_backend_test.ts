import assert from "node:assert/strict";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { backendLabel } from "../../learners/create_backend.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import { gpuTest } from "../helpers.ts";

Deno.test("backendLabel names the CPU backend cpu", () => {
  assert.equal(backendLabel(new CpuBackend()), "cpu");
});

gpuTest("backendLabel names a GPU backend's adapter and whether it is software", async (ctx) => {
  const gpu = await GpuBackend.create(ctx);
  const name = ctx.info.description || ctx.info.device || "unknown adapter";
  assert.equal(
    backendLabel(gpu),
    `gpu (${name}, ${ctx.software ? "software" : "hardware"})`,
  );
  // The label's adapter is the one describe() names.
  assert.ok(gpu.describe().includes(name));
});
