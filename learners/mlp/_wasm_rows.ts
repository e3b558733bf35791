/**
 * The WebAssembly SIMD kernels of the fast MLP passes (_wasm_kernels.ts) and their memory. Each
 * thread (the main one, each helper of train_threads.ts) has its own instance and memory, an arena
 * of f64 and i32 scratch arrays (`arenaF64`, `arenaI32`, which `threadScratch` of _mlp_fast.ts
 * takes its buffers from); the kernels run only on arrays of that arena, and the callers take the
 * plain loops otherwise: `wasmRows` null (no WebAssembly SIMD here, or METAFORGE_WASM=0), a
 * scratch on the heap, or the arena full. The results are the same numbers either way.
 * @module
 */
import { rowsFunctions } from "./_wasm_kernels.ts";
import { gradFunctions } from "./_wasm_grads.ts";
import { fwdFunctions } from "./_wasm_fwd.ts";
import { rows2Functions } from "./_wasm_rows2.ts";
import { wasmModule } from "./wasm_emit.ts";

/** Pages (64 KiB) of each thread's arena: 32 MiB, reserved once, never grown. */
const ARENA_PAGES = 512;

/** The environment variable that turns the kernels off ("0"), for comparisons. */
export const WASM_ENV = "METAFORGE_WASM";

/** An exported kernel: i32 arguments (byte addresses and counts), no result. */
type Kernel = (...args: number[]) => void;

/** A thread's kernels and arena. */
export interface WasmRows {
  /** The arena's buffer (an array is in the arena when its buffer is this one). */
  buffer: ArrayBuffer;
  rows: (
    out: number,
    len16: number,
    lenA: number,
    lenB: number,
    src: number,
    offs: number,
    d: number,
    count: number,
  ) => void;
  /** The kernels of _wasm_fwd.ts, _wasm_grads.ts and _wasm_rows2.ts, by their docs' arguments. */
  fwd: Kernel;
  fwdt: Kernel;
  tr: Kernel;
  wgrad: Kernel;
  isums: Kernel;
  rows2: Kernel;
  /** Next free byte. */
  top: number;
  /**
   * Calls that took a kernel, by caller: denseForward, weightGrads, inputSums, accumulateRows,
   * accumulateRows2 (a caller that finds an array outside the arena takes its plain loop and counts
   * nothing), so that a test can tell a kernel ran from a silent fall back to the plain loops,
   * which give the same bits.
   */
  calls: KernelCalls;
}

/** Kernel calls of this thread per caller (WasmRows.calls). */
export interface KernelCalls {
  forward: number;
  weights: number;
  inputs: number;
  rows: number;
  rows2: number;
}

/** No calls yet. */
function noCalls(): KernelCalls {
  return { forward: 0, weights: 0, inputs: 0, rows: 0, rows2: 0 };
}

/** A copy of this thread's kernel call counts (all 0 without kernels). */
export function kernelCalls(): KernelCalls {
  const w = wasmRows();
  return w ? { ...w.calls } : noCalls();
}

let instance: WasmRows | null | undefined;

/** This thread's kernels, or null (no WebAssembly SIMD here, or METAFORGE_WASM=0). */
export function wasmRows(): WasmRows | null {
  if (instance === undefined) instance = wasmTurnedOff() ? null : instantiate();
  return instance;
}

function wasmTurnedOff(): boolean {
  try {
    return Deno.env.get(WASM_ENV) === "0";
  } catch {
    return false; // no permission to read the environment: the default
  }
}

/** A new instance and arena, or null where this runtime cannot compile the module. */
function instantiate(): WasmRows | null {
  try {
    const mem = new WebAssembly.Memory({ initial: ARENA_PAGES, maximum: ARENA_PAGES });
    const mod = new WebAssembly.Module(
      wasmModule(
        [...rowsFunctions(), ...gradFunctions(), ...fwdFunctions(), ...rows2Functions()],
        ARENA_PAGES,
      ) as BufferSource,
    );
    const ex = new WebAssembly.Instance(mod, { env: { mem } }).exports;
    const rows = ex.rows as WasmRows["rows"];
    const [wgrad, isums, fwd, fwdt, tr, rows2] = [
      ex.wgrad,
      ex.isums,
      ex.fwd,
      ex.fwdt,
      ex.tr,
      ex.rows2,
    ] as Kernel[];
    const fns = { wgrad: wgrad!, isums: isums!, fwd: fwd!, fwdt: fwdt!, tr: tr!, rows2: rows2! };
    return { buffer: mem.buffer as ArrayBuffer, rows, ...fns, top: 0, calls: noCalls() };
  } catch {
    return null;
  }
}

/** Whether `a` is an array of the arena of `w`. */
export function inArena(w: WasmRows, a: Float64Array | Int32Array): boolean {
  return a.buffer === w.buffer;
}

/** The byte offset of `bytes` more bytes of this thread's arena (16-aligned), or -1. */
function arenaAt(bytes: number): number {
  const w = wasmRows();
  if (!w) return -1;
  const at = (w.top + 15) & ~15;
  if (at + bytes > w.buffer.byteLength) return -1;
  w.top = at + bytes;
  return at;
}

/** A new f64 array of n entries in this thread's arena, or null when it has no room. */
export function arenaF64(n: number): Float64Array | null {
  const at = arenaAt(8 * n);
  return at < 0 ? null : new Float64Array(wasmRows()!.buffer, at, n);
}

/** A new i32 array of n entries in this thread's arena, or null when it has no room. */
export function arenaI32(n: number): Int32Array | null {
  const at = arenaAt(4 * n);
  return at < 0 ? null : new Int32Array(wasmRows()!.buffer, at, n);
}
