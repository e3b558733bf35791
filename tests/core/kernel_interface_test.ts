import assert from "node:assert/strict";
import { kernelInterface, packParams } from "../../core/kernel_interface.ts";

Deno.test("kernelInterface() declares read, read-write and struct bindings, then params_in", () => {
  const k = kernelInterface("shaders/x.wgsl", "// x\n", {
    read: "a, idx: array<u32>",
    readWrite: "out",
    structs: "u_in: EvolveParams",
    params: "n, lr: f32, gridX",
  });
  assert.deepEqual(k.bindings, ["a", "idx", "out", "u_in", "params_in"]);
  const lines = k.wgsl.code.trim().split("\n");
  assert.deepEqual(lines.slice(1), [
    "struct Params {",
    "  n: u32,",
    "  lr: f32,",
    "  gridX: u32,",
    "}",
    "@group(0) @binding(0) var<storage, read> a: array<f32>;",
    "@group(0) @binding(1) var<storage, read> idx: array<u32>;",
    "@group(0) @binding(2) var<storage, read_write> out: array<f32>;",
    "@group(0) @binding(3) var<storage, read> u_in: EvolveParams;",
    "@group(0) @binding(4) var<storage, read> params_in: Params;",
  ]);
  assert.deepEqual(k.parts[1], { file: "shaders/x.wgsl", code: "// x\n" });
});

Deno.test("packParams() lays fields out as WGSL does (vec4 aligned to 16) and wraps u32", () => {
  const k = kernelInterface("shaders/x.wgsl", "", {
    readWrite: "out",
    params: "n, offs: vec4<u32>, std: vec4<f32>, seed, shift: i32",
  });
  assert.deepEqual(k.fields.map((f) => f.offset), [0, 16, 32, 48, 52]);
  assert.equal(k.size, 64);
  const data = packParams(k, { n: 3, offs: [1, 2], std: [0.5], seed: -1, shift: -2 });
  assert.equal(data.byteLength, 64);
  const u = new Uint32Array(data);
  assert.deepEqual([...u.slice(0, 8)], [3, 0, 0, 0, 1, 2, 0, 0]);
  assert.equal(new Float32Array(data)[8], 0.5);
  assert.equal(u[12], 0xffffffff);
  assert.equal(new Int32Array(data)[13], -2);
});

Deno.test("packParams() and kernelInterface() reject missing, unknown and repeated names", () => {
  const k = kernelInterface("shaders/x.wgsl", "", { params: "n, gridX" });
  assert.throws(() => packParams(k, { n: 1 }), /shaders\/x\.wgsl: field gridX is missing/);
  assert.throws(() => packParams(k, { n: 1, gridX: 1, m: 2 }), /it has no field m/);
  assert.throws(
    () => kernelInterface("y.wgsl", "", { read: "a", readWrite: "a" }),
    /a is repeated/,
  );
  assert.throws(() => kernelInterface("y.wgsl", "", { params: "x: f64" }), /type must be one of/);
  assert.throws(() => kernelInterface("y.wgsl", "", { structs: "u_in" }), /u_in needs a type/);
});
