/**
 * A template tag for generated WGSL, so that a generator reads as the WGSL it writes: the common
 * indentation of the template is removed, and a placeholder standing alone on its line takes a list
 * of lines or a multi-line string, each line placed at the placeholder's indentation (an empty list
 * leaves no line). Helpers
 * give the lines of a register tile's rows, columns and entries (accumulator a_m_n: row m, column n).
 * @module
 */
import { range, type TileShape } from "./mlp_tiles.ts";

/** Lines a placeholder alone on its line expands to (multi-line strings are split). */
export type Lines = readonly string[];

const MARK = "\u0000";
const BLOCK = new RegExp(`^( *)${MARK}(\\d+)${MARK}$`);
const INLINE = new RegExp(`${MARK}(\\d+)${MARK}`, "g");

/** The lines of a template without its first and last blank lines and common indentation. */
function templateLines(strings: TemplateStringsArray): string[] {
  const lines = strings.map((s, i) => (i === 0 ? s : `${MARK}${i - 1}${MARK}${s}`)).join("")
    .split("\n");
  if (lines[0]!.trim() === "") lines.shift();
  if (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
  const indents = lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut));
}

/**
 * WGSL from a template: `${lines}` alone on its line expands Lines or a multi-line string at that
 * indentation; any other placeholder is replaced by its value as text.
 */
export function wgsl(
  strings: TemplateStringsArray,
  ...values: (string | number | Lines)[]
): string {
  const out: string[] = [];
  for (const line of templateLines(strings)) {
    const block = BLOCK.exec(line);
    const value = block ? values[Number(block[2])] : undefined;
    if (block && typeof value !== "number") {
      const lines = typeof value === "string" ? [value] : value as Lines;
      for (const l of lines.flatMap((v) => v.split("\n"))) out.push(l === "" ? "" : block[1] + l);
      continue;
    }
    out.push(line.replace(INLINE, (_, i) => {
      const v = values[Number(i)];
      if (Array.isArray(v)) throw new TypeError("A list of lines must stand alone on its line");
      return String(v);
    }));
  }
  return out.join("\n");
}

/** One line per row m of a tile. */
export const forRows = (t: TileShape, line: (m: number) => string): Lines =>
  range(t.rows).map(line);

/** One line per column n of a tile. */
export const forCols = (t: TileShape, line: (n: number) => string): Lines =>
  range(t.cols).map(line);

/** One line per entry (m, n) of a tile, row by row. */
export const forEntries = (t: TileShape, line: (m: number, n: number) => string): Lines =>
  range(t.rows).flatMap((m) => range(t.cols).map((n) => line(m, n)));

/** `var a_m_n = init(m, n);` for every accumulator. */
export const accumulators = (t: TileShape, init: (m: number, n: number) => string): Lines =>
  forEntries(t, (m, n) => `var a_${m}_${n} = ${init(m, n)};`);

/** Shifts every row of accumulators `by` columns left: a_m_n = a_m_{n+by}. */
export const shiftColumns = (t: TileShape, by: number): Lines =>
  forEntries({ rows: t.rows, cols: t.cols - by }, (m, n) => `a_${m}_${n} = a_${m}_${n + by};`);

/** Activates every accumulator below the last layer (the forward tiles' epilogue). */
export const activateAll = (t: TileShape): string =>
  wgsl`
    if (l + 1u < u.L) {
      ${forEntries(t, (m, n) => `a_${m}_${n} = activate(a_${m}_${n});`)}
    }`;

/**
 * The value a weight-gradient tile stores for gradient `g` of parameter `w` (WGSL expressions of
 * the same type, f32 or vec4<f32>): the gradient, or for a model whose SGD step is fused (`fuse.on`,
 * see shaders/train_step.wgsl) the updated parameter w - lr * (g + wd * w). One store whatever the
 * model's optimizer: a branch would run both sides on lavapipe.
 */
export const gradientStore = (g: string, w: string): string =>
  `select(${g}, ${w} - fuse.lr * (${g} + fuse.wd * ${w}), fuse.on)`;
