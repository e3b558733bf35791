import assert from "node:assert/strict";
import { flopsLines, fp32Peak, refuseAdapter } from "../../bench/device_check.ts";

const LAVAPIPE = { vendor: "65541", device: "", description: "llvmpipe (LLVM 15.0.6, 256 bits)" };
const H200 = { vendor: "4318", device: "", description: "NVIDIA H200" };

Deno.test("refuseAdapter() refuses lavapipe, fallback and non-NVIDIA adapters and accepts an NVIDIA GPU", () => {
  assert.match(refuseAdapter(LAVAPIPE)!, /software adapter/);
  assert.match(refuseAdapter({ ...H200, isFallbackAdapter: true })!, /software adapter/);
  assert.match(
    refuseAdapter({ vendor: "4098", device: "", description: "AMD Radeon" })!,
    /not an NVIDIA/,
  );
  assert.equal(refuseAdapter(H200), undefined);
  assert.equal(refuseAdapter({ vendor: "nvidia", device: "", description: "" }), undefined);
});

Deno.test("fp32Peak() takes the environment's override, else the table, else undefined", () => {
  assert.equal(fp32Peak(H200, undefined), 66.9 * 1e12);
  assert.equal(fp32Peak(H200, "10"), 10e12);
  assert.equal(fp32Peak({ ...H200, description: "NVIDIA Unknown" }, undefined), undefined);
});

Deno.test("flopsLines() gives the GPU rows of a bench.csv as a share of the peak", () => {
  const csv = "workload,backend,population,model_steps_per_s,gflops,blas,threads,valid\n" +
    "W,gpu,65536,1000.0,16750.0000,,,\n" +
    'W,numpy-cpu,1024,9.0,0.0100,"openblas (set: A,B)",1,yes\n';
  assert.deepEqual(flopsLines(csv, 67e12), [
    "W P=65536: 16.750 TFLOP/s = 25.00% of FP32 peak (67.0 TFLOP/s)",
  ]);
});
