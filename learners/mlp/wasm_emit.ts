/**
 * A small WebAssembly binary writer for the CPU twins' SIMD kernels (_wasm_rows.ts): a module
 * that imports one memory (`env.mem`) and exports functions whose bodies are written as opcode
 * lists. Only what the kernels use is here: i32 and f64 scalars, 128-bit vectors of two f64
 * lanes, structured control flow. The encodings follow the WebAssembly core specification
 * (binary format, version 1, with the fixed-width SIMD instructions of version 2).
 * @module
 */

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** Scalar and control opcodes, by their text-format names. */
const OP = {
  "block": 0x02,
  "loop": 0x03,
  "if": 0x04,
  "else": 0x05,
  "end": 0x0b,
  "br": 0x0c,
  "br_if": 0x0d,
  "return": 0x0f,
  "call": 0x10,
  "local.get": 0x20,
  "local.set": 0x21,
  "local.tee": 0x22,
  "i32.load": 0x28,
  "f64.load": 0x2b,
  "i32.store": 0x36,
  "f64.store": 0x39,
  "i32.const": 0x41,
  "f64.const": 0x44,
  "i32.eqz": 0x45,
  "i32.lt_s": 0x48,
  "i32.ge_s": 0x4e,
  "i32.add": 0x6a,
  "i32.sub": 0x6b,
  "i32.mul": 0x6c,
  "i32.and": 0x71,
  "i32.shl": 0x74,
  "f64.ne": 0x62,
  "f64.add": 0xa0,
  "f64.mul": 0xa2,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
const SIMD = {
  "v128.load": 0x00,
  "v128.load64_splat": 0x0a,
  "v128.store": 0x0b,
  "f64x2.splat": 0x14,
  "f64x2.extract_lane": 0x21,
  "v128.load64_lane": 0x57,
  "f64x2.add": 0xf0,
  "f64x2.mul": 0xf2,
} as const;

/** Natural alignment (log2 bytes) of the memory instructions. */
const ALIGN: Record<string, number> = {
  "i32.load": 2,
  "f64.load": 3,
  "f64.store": 3,
  "i32.store": 2,
  "v128.load": 4,
  "v128.store": 4,
  "v128.load64_splat": 3,
  "v128.load64_lane": 3,
};

/** An instruction: a name, with an immediate (a local, a constant, a lane, or a memory offset). */
export type Ins = [keyof typeof OP | keyof typeof SIMD, number?, number?];

/** The bytes of a body's instructions. */
function code(body: Ins[]): number[] {
  const out: number[] = [];
  for (const [name, a, b] of body) {
    if (name in SIMD) {
      out.push(0xfd, ...uleb(SIMD[name as keyof typeof SIMD]));
      if (name in ALIGN) out.push(ALIGN[name]!, ...uleb(a ?? 0));
      if (name === "f64x2.extract_lane") out.push(a ?? 0);
      if (name === "v128.load64_lane") out.push(b ?? 0);
      continue;
    }
    out.push(OP[name as keyof typeof OP]);
    if (name === "block" || name === "loop" || name === "if") out.push(0x40);
    else if (name === "i32.const") out.push(...sleb(a ?? 0));
    else if (name === "f64.const") out.push(...new Uint8Array(new Float64Array([a ?? 0]).buffer));
    else if (name in ALIGN) out.push(ALIGN[name]!, ...uleb(a ?? 0));
    else if (name.startsWith("local.") || ["br", "br_if", "call"].includes(name)) {
      out.push(...uleb(a!));
    }
  }
  return out;
}

/** An exported function: its i32 parameters, extra locals by type, and body. */
export interface WasmFunction {
  name: string;
  params: number;
  locals: { type: number; count: number }[];
  body: Ins[];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/**
 * The binary of a module importing `env.mem` (a memory of at least `pages` 64 KiB pages) and
 * exporting `fns` (each taking i32 parameters and returning nothing).
 */
export function wasmModule(fns: WasmFunction[], pages: number): Uint8Array {
  const types = fns.map((f) => [0x60, ...uleb(f.params), ...new Array(f.params).fill(I32), 0]);
  const imports = vec([[...name("env"), ...name("mem"), 0x02, 0x00, ...uleb(pages)]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = vec(fns.map((f) => {
    const locals = vec(f.locals.map((l) => [...uleb(l.count), l.type]));
    const b = [...locals, ...code(f.body), OP.end];
    return [...uleb(b.length), ...b];
  }));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}

/** A loop: `test` leaves 1 to stop, then `body`, then `step` advances. */
export function loop(test: Ins[], body: Ins[], step: Ins[]): Ins[] {
  return [["block"], ["loop"], ...test, ["br_if", 1], ...body, ...step, ["br", 0], ["end"], [
    "end",
  ]];
}

/** `local += by` for an i32 local. */
export function bump(local: number, by: number): Ins[] {
  return [["local.get", local], ["i32.const", by], ["i32.add"], ["local.set", local]];
}

/** `local += other` for two i32 locals. */
export function bump2(local: number, other: number): Ins[] {
  return [["local.get", local], ["local.get", other], ["i32.add"], ["local.set", local]];
}

/** `a >= b` (i32, signed) for two locals. */
export function ge(a: number, b: number): Ins[] {
  return [["local.get", a], ["local.get", b], ["i32.ge_s"]];
}

/** The byte address `base + (index << shift)` of two locals. */
export function addr(base: number, index: number, shift: number): Ins[] {
  return [["local.get", base], ["local.get", index], ["i32.const", shift], ["i32.shl"], [
    "i32.add",
  ]];
}

/** `local = a * b` (i32) of two locals. */
export function mul(local: number, a: number, b: number): Ins[] {
  return [["local.get", a], ["local.get", b], ["i32.mul"], ["local.set", local]];
}
