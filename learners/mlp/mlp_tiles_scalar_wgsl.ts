/**
 * The WGSL of scalar register tiles (plans without `vec4`, see mlp_tiles.ts), one template per tile
 * kind: forward, weight gradient and delta. A tile of R x C outputs keeps its accumulators a_m_n in
 * registers, loads row operands u_m and column operands v_n once per step of the shared dimension,
 * and clamps rows and columns past the end to the last one (see mlp_tiles.ts).
 * @module
 */
import { epilogueLoops, range, type TileShape } from "./mlp_tiles.ts";
import {
  accumulators,
  activateAll,
  forCols,
  forEntries,
  forRows,
  gradientStore,
  type Lines,
  shiftColumns,
  wgsl,
} from "./wgsl_template.ts";

/** `let <name>_<i> = min(<first> + i, <last>);` for i < n: clamped row or column indices. */
function clampedIndices(name: string, n: number, first: string, last: string): Lines {
  return range(n).map((i) => `let ${name}_${i} = min(${first} + ${i}u, ${last});`);
}

/** How an epilogue names the input columns of a tile (see `epilogue`). */
interface EpilogueColumns {
  /** Prefix of the clamped column indices (`<name>_n`). */
  name: string;
  /** The tile's first column. */
  first: string;
  /** Columns of the tile that exist (a WGSL expression). */
  count: string;
  /** A WGSL condition false for a clamped duplicate column n, or "" when it cannot be one. */
  valid: (n: number) => string;
}

/**
 * The epilogue of a tile: `body(col, n, valid)` handles accumulator column n (a_m_n) of input
 * column `col`. Small tiles run it unrolled for every column n, with the clamped column index
 * `<name>_n`. Bigger tiles run a loop over their first `count` columns, each step handling column
 * `first + s` through a_m_0 and then shifting every row one column left (a_m_n = a_m_{n+1}): the
 * loop keeps one storage-access site per row instead of one per entry. lavapipe compiles every
 * storage access into its own loop over the SIMD lanes, and both its compile time and the kernel's
 * speed suffer from many sites (on W, 16 x 16 tiles with unrolled stores compiled 20x longer and
 * trained 1.12x faster than 8 x 8 tiles, with this loop 1.44x faster).
 */
function epilogue(
  t: TileShape,
  cols: EpilogueColumns,
  body: (col: string, n: number, valid: string) => Lines,
): Lines {
  if (!epilogueLoops(t)) {
    return range(t.cols).map((n) =>
      wgsl`
        {
          ${body(`${cols.name}_${n}`, n, cols.valid(n))}
        }`
    );
  }
  return [wgsl`
    for (var s = 0u; s < ${cols.count}; s++) {
      ${body(`(${cols.first} + s)`, 0, "")}
      ${shiftColumns(t, 1)}
    }`];
}

/**
 * Forward tile: z[j][b] = bias[j] + sum_i W[j][i] in[i][b], activated below the last layer. The
 * first layer reads its inputs from the data set (rows sample_index(p, slot, b)), the others from
 * the activations of the layer below.
 */
export function forwardTileWgsl(t: TileShape, first: boolean, name: string): string {
  const colStart = (n: number) =>
    first ? `sample_index(p, slot, b_${n}) * fin` : `unit_row(p, l - 1u, 0u) + b_${n}`;
  const colLoad = (n: number) => first ? `f32(x[ca_${n} + k])` : `scratch[ca_${n} + cq]`;
  const cols = { name: "b", first: "b0", count: `min(${t.cols}u, nb - b0)`, valid: () => "" };
  const store = (c: string, n: number) =>
    forRows(t, (m) => `scratch[o + j_${m} * B + ${c}] = a_${m}_${n};`);
  return wgsl`
    // Forward tile of layer l: units j0..j0+${t.rows - 1} x samples b0..b0+${t.cols - 1}.
    fn ${name}(p: u32, slot: u32, nb: u32, l: u32, j0: u32, b0: u32) {
      let fin = width(l);
      let B = u.B;
      let pw = p * u.stride + w_off(l);
      let pbias = p * u.stride + b_off(l);
      ${clampedIndices("j", t.rows, "j0", "width(l + 1u) - 1u")}
      ${clampedIndices("b", t.cols, "b0", "nb - 1u")}
      ${forRows(t, (m) => `let ra_${m} = pw + j_${m} * fin;`)}
      ${forCols(t, (n) => `let ca_${n} = ${colStart(n)};`)}
      ${forRows(t, (m) => `let bias_${m} = params[pbias + j_${m}];`)}
      ${accumulators(t, (m) => `bias_${m}`)}
      for (var k = 0u; k < fin; k++) {
        ${first ? [] : [`let cq = k * B;`]}
        ${forRows(t, (m) => `let u_${m} = params[ra_${m} + k];`)}
        ${forCols(t, (n) => `let v_${n} = ${colLoad(n)};`)}
        ${forEntries(t, (m, n) => `a_${m}_${n} += u_${m} * v_${n};`)}
      }
      ${activateAll(t)}
      let o = unit_row(p, l, 0u);
      ${epilogue(t, cols, store)}
    }`;
}

/**
 * Weight-gradient tile: G[j][i] = sum_b delta[j][b] in[i][b] for units j0.. and inputs i0.., where
 * input fin (a constant 1) gives the bias gradient. The first layer reads its inputs from the data
 * set, sample b at row sample_index(p, slot, b). Stores the gradients in params_out, or, for a
 * model whose SGD step is fused (`fuse.on`, see shaders/train_step.wgsl), the updated parameters
 * w - lr * (g + wd * w). Returns the sum of squares of the gradients.
 */
export function gradTileWgsl(t: TileShape, first: boolean, name: string): string {
  // Input column n: xi_n (input i_n, clamped to a real input for the bias column), one_n (bias).
  const colStart = (n: number) => first ? `xi_${n}` : `unit_row(p, l - 1u, xi_${n})`;
  const colLoad = (n: number) => first ? `f32(x[xr + ca_${n}])` : `scratch[ca_${n} + k]`;
  // Input i: the weight gradient for i < fin, the bias gradient for i = fin.
  const store = (i: string, n: number, valid: string): Lines => [
    ...forRows(t, (m) => `let e_${m} = select(ew_${m} + ${i}, eb_${m}, ${i} == fin);`),
    ...forRows(t, (m) => `let w_${m} = params[pp + e_${m}];`),
    ...forRows(t, (m) => `st_out(pp + e_${m}, ${gradientStore(`a_${m}_${n}`, `w_${m}`)});`),
    `sq += ${valid ? `select(0.0, 1.0, ${valid}) * ` : ""}(${
      range(t.rows).map((m) => `rv_${m} * a_${m}_${n} * a_${m}_${n}`).join(" + ")
    });`,
  ];
  const cols = {
    name: "i",
    first: "i0",
    count: `min(${t.cols}u, fin + 1u - i0)`,
    valid: (n: number) => `i0 + ${n}u <= fin`,
  };
  return wgsl`
    // Weight-gradient tile of layer l: units j0..j0+${t.rows - 1} x inputs i0..i0+${t.cols - 1}.
    fn ${name}(p: u32, slot: u32, l: u32, j0: u32, i0: u32) -> f32 {
      let fin = width(l);
      let fout = width(l + 1u);
      let B = u.B;
      let drow = deltas_base(p) + a_off(l) * B;
      ${clampedIndices("j", t.rows, "j0", "fout - 1u")}
      ${clampedIndices("i", t.cols, "i0", "fin")}
      ${forCols(t, (n) => `let xi_${n} = min(i_${n}, fin - 1u);`)}
      ${forCols(t, (n) => `let one_${n} = i_${n} == fin;`)}
      ${forRows(t, (m) => `let ra_${m} = drow + j_${m} * B;`)}
      ${forCols(t, (n) => `let ca_${n} = ${colStart(n)};`)}
      ${accumulators(t, () => "0.0")}
      for (var k = 0u; k < B; k++) {
        ${first ? [`let xr = sample_index(p, slot, k) * fin;`] : []}
        ${forRows(t, (m) => `let u_${m} = scratch[ra_${m} + k];`)}
        ${forCols(t, (n) => `let v_${n} = select(${colLoad(n)}, 1.0, one_${n});`)}
        ${forEntries(t, (m, n) => `a_${m}_${n} += u_${m} * v_${n};`)}
      }
      let pp = p * u.stride;
      // Offsets within the model of row m's weights and bias (gradients and parameters alike).
      ${forRows(t, (m) => `let ew_${m} = w_off(l) + j_${m} * fin;`)}
      ${forRows(t, (m) => `let eb_${m} = b_off(l) + j_${m};`)}
      // Rows and columns past the end are clamped duplicates: masked out of the norm.
      ${forRows(t, (m) => `let rv_${m} = select(0.0, 1.0, j0 + ${m}u < fout);`)}
      var sq = 0.0;
      ${epilogue(t, cols, store)}
      return sq;
    }`;
}

/** Delta tile of layer l: delta[i][b] = f'(a[i][b]) * sum_j W[j][i] delta_l[j][b] (layer l - 1). */
export function deltaTileWgsl(t: TileShape, name: string): string {
  const cols = { name: "b", first: "b0", count: `min(${t.cols}u, B - b0)`, valid: () => "" };
  const store = (c: string, n: number): Lines =>
    forRows(
      t,
      (m) =>
        `scratch[dr + i_${m} * B + ${c}] = a_${m}_${n} * activate_grad(scratch[ar + i_${m} * B + ${c}]);`,
    );
  return wgsl`
    // Delta tile of layer l - 1: inputs i0..i0+${t.rows - 1} of layer l x samples b0..b0+${
    t.cols - 1
  }.
    fn ${name}(p: u32, l: u32, i0: u32, b0: u32) {
      let fin = width(l);
      let B = u.B;
      let pw = p * u.stride + w_off(l);
      let dl = deltas_base(p) + a_off(l) * B;
      ${clampedIndices("i", t.rows, "i0", "fin - 1u")}
      ${clampedIndices("b", t.cols, "b0", "B - 1u")}
      ${forRows(t, (m) => `let ra_${m} = pw + i_${m};`)}
      ${forCols(t, (n) => `let ca_${n} = dl + b_${n};`)}
      ${accumulators(t, () => "0.0")}
      for (var k = 0u; k < width(l + 1u); k++) {
        let rq = k * fin;
        let cq = k * B;
        ${forRows(t, (m) => `let u_${m} = params[ra_${m} + rq];`)}
        ${forCols(t, (n) => `let v_${n} = scratch[ca_${n} + cq];`)}
        ${forEntries(t, (m, n) => `a_${m}_${n} += u_${m} * v_${n};`)}
      }
      let ar = unit_row(p, l - 1u, 0u);
      let dr = deltas_base(p) + a_off(l - 1u) * B;
      ${epilogue(t, cols, store)}
    }`;
}
