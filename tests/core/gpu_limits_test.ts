import assert from "node:assert/strict";
import { requestedLimits, WANTED_LIMITS } from "../../core/gpu_context.ts";

Deno.test("a large GPU's buffer and binding limits are requested in full, above 2 GiB", () => {
  // Limits a Vulkan driver of a large GPU offers: buffers far over 2 GiB, u32-sized bindings.
  const have = {
    maxStorageBuffersPerShaderStage: 1_048_576,
    maxComputeWorkgroupStorageSize: 49_152,
    maxComputeInvocationsPerWorkgroup: 1024,
    maxStorageBufferBindingSize: 2 ** 32 - 1,
    maxBufferSize: 2 ** 40,
  };
  const got = requestedLimits(have);
  assert.equal(got.maxBufferSize, 2 ** 40);
  // A binding stays a multiple of 4 bytes below 4 GiB (WGSL indexes it with u32).
  assert.equal(got.maxStorageBufferBindingSize, 2 ** 32 - 4);
  assert.equal(got.maxStorageBuffersPerShaderStage, WANTED_LIMITS.maxStorageBuffersPerShaderStage);
  // Workgroup memory: all the adapter offers up to 64 KiB (the train step's workgroup scratch).
  assert.equal(got.maxComputeWorkgroupStorageSize, 49_152);
  assert.equal(got.maxComputeInvocationsPerWorkgroup, 256);
});

Deno.test("a small adapter's limits are requested as offered, never above", () => {
  // lavapipe's limits.
  const have = {
    maxStorageBuffersPerShaderStage: 32,
    maxComputeWorkgroupStorageSize: 32768,
    maxComputeInvocationsPerWorkgroup: 1024,
    maxStorageBufferBindingSize: 134_217_728,
    maxBufferSize: 2 ** 31 - 1,
  };
  const got = requestedLimits(have);
  assert.equal(got.maxBufferSize, 2 ** 31 - 1);
  assert.equal(got.maxStorageBufferBindingSize, 134_217_728);
  assert.equal(got.maxStorageBuffersPerShaderStage, 16);
  assert.equal(got.maxComputeWorkgroupStorageSize, 32768);
});
