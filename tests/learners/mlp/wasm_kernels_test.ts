/**
 * The WebAssembly SIMD kernels of the fast MLP passes (learners/mlp/_wasm_*.ts) against the plain
 * loops they replace, bit for bit (Object.is on every entry, so -0 against +0 fails too), on seeded
 * random inputs with sizes that are not multiples of the kernels' blocks (2, 4, 8, 16 outputs; sample
 * pairs) and with zeros and -0 among the coefficients: the same call on arrays of the thread's arena
 * (where the kernels run) and on heap arrays (where the plain loops run). Also: the kernels are
 * there in this runtime (a module the emitter got wrong would silently leave every caller on the
 * plain loops), the encodings of the emitter, and METAFORGE_WASM=0.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import {
  coefFor,
  denseForward,
  type FastScratch,
  fastScratch,
  threadScratch,
} from "../../../learners/mlp/_mlp_fast.ts";
import { accumulateRows, accumulateRows2 } from "../../../learners/mlp/_row_sums.ts";
import { inputSums, weightGrads } from "../../../learners/mlp/_batch_grad_fast.ts";
import {
  arenaF64,
  arenaI32,
  inArena,
  kernelCalls,
  wasmRows,
} from "../../../learners/mlp/_wasm_rows.ts";
import { sleb, uleb } from "../../../learners/mlp/wasm_emit.ts";

/** n entries, normal, about a fifth of them 0 or -0 when `zeros`. */
function values(rng: Rng, n: number, zeros = false): number[] {
  return Array.from({ length: n }, () => {
    const u = rng.uniform();
    if (zeros && u < 0.1) return 0;
    if (zeros && u < 0.2) return -0;
    return rng.normal() * 3;
  });
}

/** The same values in an arena array and a heap array. */
function pair(xs: number[]): [Float64Array, Float64Array] {
  const a = arenaF64(xs.length)!;
  a.set(xs);
  return [a, Float64Array.from(xs)];
}

function assertSameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      assert.fail(`${what}: entry ${i} is ${a[i]}, the plain loop's ${b[i]}`);
    }
  }
}

Deno.test("the WebAssembly SIMD kernels compile in this runtime and own an arena", () => {
  const w = wasmRows();
  assert.ok(w, "wasmRows() is null: the module did not compile, every caller runs the plain loops");
  const a = arenaF64(3)!;
  assert.ok(inArena(w, a));
  assert.ok(!inArena(w, new Float64Array(3)));
  assert.ok(threadScratch("test").arena);
  assert.ok(!fastScratch().arena);
});

Deno.test("the emitter's LEB128 encodings", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(127), [127]);
  assert.deepEqual(uleb(128), [0x80, 1]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(63), [63]);
  assert.deepEqual(sleb(64), [0xc0, 0]);
  assert.deepEqual(sleb(-16), [0x70]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
});

Deno.test("rows (accumulateRows) gives the plain loop's bits", () => {
  const rng = new Rng(11);
  for (const len of [1, 2, 7, 8, 15, 16, 17, 31, 33, 64, 196, 197]) {
    for (const count of [0, 1, 3, 25]) {
      const srcRows = 30;
      const [src, srcH] = pair(values(rng, srcRows * len + 3));
      const [out, outH] = pair(values(rng, len + 5));
      const [d, dH] = pair(values(rng, count, true));
      const offs = arenaI32(count)!;
      for (let k = 0; k < count; k++) offs[k] = rng.int(srcRows) * len + rng.int(4);
      const o = rng.int(5);
      accumulateRows(out, o, len, { src, offs, d, count });
      accumulateRows(outH, o, len, { src: srcH, offs: Int32Array.from(offs), d: dH, count });
      assertSameBits(out, outH, `len ${len}, count ${count}`);
    }
  }
});

Deno.test("rows2 (accumulateRows2) gives the plain loop's bits", () => {
  const rng = new Rng(12);
  for (const len of [1, 2, 3, 7, 8, 9, 15, 16, 17, 64, 196, 197]) {
    for (const count of [0, 1, 3, 25]) {
      const srcRows = 30;
      const [x, xH] = pair(values(rng, srcRows * len + 3));
      const [y, yH] = pair(values(rng, srcRows * len + 3));
      const [out, outH] = pair(values(rng, len + 5));
      const [c, cH] = pair(values(rng, count, true));
      const [e, eH] = pair(values(rng, count, true));
      const offs = arenaI32(count)!;
      for (let k = 0; k < count; k++) offs[k] = rng.int(srcRows) * len + rng.int(4);
      const o = rng.int(5);
      const before = kernelCalls().rows2;
      accumulateRows2(out, o, len, { x, y, offs, c, e, count });
      assert.equal(kernelCalls().rows2, before + 1, "the arena call ran the kernel");
      const heap = { x: xH, y: yH, offs: Int32Array.from(offs), c: cH, e: eH, count };
      accumulateRows2(outH, o, len, heap);
      assert.equal(kernelCalls().rows2, before + 1, "the heap call ran the plain loop");
      assertSameBits(out, outH, `len ${len}, count ${count}`);
    }
  }
});

/** (fin, fout) of the forward cases. */
const FWD_SHAPES: [number, number][] = [
  [1, 1],
  [3, 2],
  [20, 13],
  [7, 9],
  [196, 64],
  [64, 5],
  [5, 16],
  [6, 17],
];

Deno.test("fwd, fwdt and tr (denseForward) give the plain loop's bits", () => {
  const rng = new Rng(12);
  for (const n of [1, 2, 3, 5, 7, 8, 9, 25]) {
    for (const [fin, fout] of FWD_SHAPES) {
      const [th, thH] = pair(values(rng, 4 + fout * fin + fout, true));
      const [x, xH] = pair(values(rng, n * fin, true));
      const [out, outH] = pair(values(rng, n * fout));
      const off = { w: 4, b: 4 + fout * fin };
      denseForward(th, off, x, { n, fin, fout }, out);
      denseForward(thH, off, xH, { n, fin, fout }, outH);
      assertSameBits(out, outH, `n ${n}, ${fin} -> ${fout}`);
    }
  }
});

/** (fin, fout) of the gradient cases. */
const GRAD_SHAPES: [number, number][] = [[1, 1], [3, 2], [20, 13], [196, 64], [64, 5], [17, 9]];

Deno.test("wgrad and isums (weightGrads, inputSums) give the plain loops' bits", () => {
  const rng = new Rng(13);
  const arena: FastScratch = threadScratch("wasm_kernels_test");
  const heap = fastScratch();
  for (const n of [1, 2, 5, 25]) {
    for (const [fin, fout] of GRAD_SHAPES) {
      for (const ws of [arena, heap]) coefFor(ws, Math.max(n, fin, fout));
      const [grads, gradsH] = pair(values(rng, 2 + fout * fin + fout));
      const [a, aH] = pair(values(rng, n * fin, true));
      const [delta, deltaH] = pair(values(rng, n * fout, true));
      const off = { w: 2, b: 2 + fout * fin };
      weightGrads(grads, off, { a, delta }, { n, fin, fout }, arena);
      weightGrads(gradsH, off, { a: aH, delta: deltaH }, { n, fin, fout }, heap);
      assertSameBits(grads, gradsH, `weightGrads n ${n}, ${fin} -> ${fout}`);
      const [below, belowH] = pair(values(rng, n * fin));
      const t = { th: grads, wOff: off.w, delta };
      inputSums(t, { n, fin, fout }, below, arena);
      inputSums({ ...t, th: gradsH, delta: deltaH }, { n, fin, fout }, belowH, heap);
      assertSameBits(below, belowH, `inputSums n ${n}, ${fin} -> ${fout}`);
    }
  }
});

Deno.test("METAFORGE_WASM=0 turns the kernels off", async () => {
  const url = new URL("../../../learners/mlp/_wasm_rows.ts", import.meta.url).href;
  const code = `import { wasmRows } from "${url}"; console.log(wasmRows() === null);`;
  const run = (v: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      env: { METAFORGE_WASM: v },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const [off, on] = await Promise.all([run("0"), run("1")]);
  assert.equal(new TextDecoder().decode(off.stdout).trim(), "true");
  assert.equal(new TextDecoder().decode(on.stdout).trim(), "false");
});
