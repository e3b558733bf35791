import assert from "node:assert/strict";
import { GpuContext } from "../../core/gpu_context.ts";
import { asDeviceLoss, DeviceLostError } from "../../core/device_lost.ts";
import { gpuTest } from "../helpers.ts";

// The deliberate-destroy case runs first: a lost device stays watched for the rest of the process.
gpuTest("asDeviceLoss() leaves an error alone after a deliberate destroy()", async () => {
  const ctx = await GpuContext.create();
  ctx.destroy();
  const plain = new Error("a bug");
  assert.equal(await asDeviceLoss(plain, "the test", 50), plain);
});

gpuTest(
  "asDeviceLoss() turns an error into a DeviceLostError once a watched device is lost",
  async () => {
    const ctx = await GpuContext.create();
    const plain = new Error("a WebGPU call failed");
    assert.equal(await asDeviceLoss(plain, "the test", 20), plain, "no device lost yet");
    ctx.device.destroy();
    const lost = await asDeviceLoss(plain, "the test");
    assert.ok(lost instanceof DeviceLostError, `got ${lost}`);
    assert.match((lost as Error).message, /GPU device lost during the test/);
  },
);
