/**
 * The WGSL of vec4 register tiles (plans with `vec4`, see mlp_tiles.ts), one template per tile
 * kind: the same products as the scalar tiles of mlp_tiles_scalar_wgsl.ts, with every operand and
 * output moved 4 consecutive floats per storage access. The kernel then declares `params`,
 * `scratch`, `params_out` as arrays of vec4<f32> and `x` as vec4<InputT> (storage_views_wgsl.ts),
 * which quadLayout guarantees to be aligned.
 *
 * Operands are read along whichever dimension they are contiguous in: weight rows and data-set rows
 * along the inputs, activation and delta rows along the samples. The forward and weight-gradient
 * loops step their shared dimension by 4 (an operand contiguous along it gives 4 steps per load);
 * every accumulator still sums its shared dimension in increasing order, as the CPU twin does.
 * Groups of 4 past the end of a dimension are clamped to the last group: they recompute values of
 * the last 4 rows or columns and are never stored past the end.
 * @module
 */
import { range, type TileShape } from "./mlp_tiles.ts";
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

const LANE = ["x", "y", "z", "w"];

/** Component n % 4 of the vec4 `<name>_{n / 4}` (`<name><sep>`: a prefix such as "v_2_"). */
const lane = (name: string, n: number) => `${name}${Math.floor(n / 4)}.${LANE[n % 4]}`;

/** vec4<f32>(a_m_0, a_m_1, a_m_2, a_m_3): the first 4 accumulators of row m. */
const head4 = (m: number) => `vec4<f32>(a_${m}_0, a_${m}_1, a_${m}_2, a_${m}_3)`;

/** One line per group g of 4 columns of a tile. */
const forGroups = (t: TileShape, line: (g: number) => string): Lines => range(t.cols / 4).map(line);

/**
 * An epilogue loop of `count` steps over the tile's groups of 4 columns: each step runs `body` on
 * a_m_0..a_m_3 (group s), then shifts every row 4 columns left (a_m_n = a_m_{n+4}), so that the
 * loop keeps one storage-access site per row (see the scalar epilogue in mlp_tiles_scalar_wgsl.ts).
 */
function quadEpilogue(t: TileShape, count: string, body: Lines): string {
  return wgsl`
    for (var s = 0u; s < ${count}; s++) {
      ${body}
      ${shiftColumns(t, 4)}
    }`;
}

/** The forward tile's loop over its inputs, 4 per step; column operands are data-set rows. */
function forwardLoopFirst(t: TileShape): string {
  const products = range(4).flatMap((kk) =>
    forEntries(t, (m, n) => `a_${m}_${n} += u_${m}.${LANE[kk]} * v_${n}.${LANE[kk]};`)
  );
  return wgsl`
    ${forCols(t, (n) => `let b_${n} = min(b0 + ${n}u, nb - 1u);`)}
    ${forCols(t, (n) => `let ca_${n} = sample_index(p, slot, b_${n}) * fin4;`)}
    for (var k = 0u; k < fin4; k++) {
      ${forRows(t, (m) => `let u_${m} = params[ra_${m} + k];`)}
      ${forCols(t, (n) => `let v_${n} = vec4<f32>(x[ca_${n} + k]);`)}
      ${products}
    }`;
}

/** The forward tile's loop over its inputs, 4 per step; column operands are activation rows. */
function forwardLoopHidden(t: TileShape): string {
  const step = (kk: number): Lines => [
    `let cq_${kk} = (4u * k + ${kk}u) * B4;`,
    ...forGroups(t, (g) => `let v_${kk}_${g} = scratch[cg_${g} + cq_${kk}];`),
    ...forEntries(t, (m, n) => `a_${m}_${n} += u_${m}.${LANE[kk]} * ${lane(`v_${kk}_`, n)};`),
  ];
  return wgsl`
    let B4 = B / 4u;
    let arow = unit_row(p, l - 1u, 0u) / 4u;
    ${forGroups(t, (g) => `let cg_${g} = arow + min(b0 + ${4 * g}u, B - 4u) / 4u;`)}
    for (var k = 0u; k < fin4; k++) {
      ${forRows(t, (m) => `let u_${m} = params[ra_${m} + k];`)}
      ${range(4).flatMap(step)}
    }`;
}

/**
 * Forward tile (vec4): z[j][b] = bias[j] + sum_k W[j][k] in[k][b] for units j0.. and samples b0..
 * (C a multiple of 4), activated below the last layer. Weight rows are read 4 inputs at a time;
 * the first layer reads its data-set rows 4 inputs at a time too, the others their input
 * activations 4 samples at a time, 4 inputs per loop step. Stores 4 samples per access; groups of
 * samples past nb are not stored (their rows' slots stay unused).
 */
export function forwardTileVec4Wgsl(t: TileShape, first: boolean, name: string): string {
  const count = `min(${t.cols / 4}u, (nb - b0 + 3u) / 4u)`;
  return wgsl`
    // Forward tile of layer l (vec4): units j0..j0+${t.rows - 1} x samples b0..b0+${t.cols - 1}.
    fn ${name}(p: u32, slot: u32, nb: u32, l: u32, j0: u32, b0: u32) {
      let fin = width(l);
      let fin4 = fin / 4u;
      let B = u.B;
      let pw = p * u.stride + w_off(l);
      let pbias = p * u.stride + b_off(l);
      ${forRows(t, (m) => `let j_${m} = min(j0 + ${m}u, width(l + 1u) - 1u);`)}
      ${forRows(t, (m) => `let ra_${m} = (pw + j_${m} * fin) / 4u;`)}
      ${forRows(t, (m) => `let bias_${m} = ld_params(pbias + j_${m});`)}
      ${accumulators(t, (m) => `bias_${m}`)}
      ${first ? forwardLoopFirst(t) : forwardLoopHidden(t)}
      ${activateAll(t)}
      let o = unit_row(p, l, 0u);
      ${forRows(t, (m) => `let o_${m} = (o + j_${m} * B + b0) / 4u;`)}
      ${quadEpilogue(t, count, forRows(t, (m) => `scratch[o_${m} + s] = ${head4(m)};`))}
    }`;
}

/** The lines a gradient tile runs per sample kk of a loop step: its products and bias sums. */
function gradSample(t: TileShape, kk: number, col: (n: number) => string): Lines {
  return [
    ...forEntries(t, (m, n) => `a_${m}_${n} += u_${m}.${LANE[kk]} * ${col(n)};`),
    ...forRows(t, (m) => `d_${m} += u_${m}.${LANE[kk]};`),
  ];
}

/** The gradient tile's loop over the samples, 4 per step; column operands are data-set rows. */
function gradLoopFirst(t: TileShape): string {
  const step = (kk: number): Lines => [
    `let xr_${kk} = sample_index(p, slot, 4u * k + ${kk}u) * fin4;`,
    ...forGroups(t, (g) => `let v_${kk}_${g} = vec4<f32>(x[xr_${kk} + xg_${g}]);`),
    ...gradSample(t, kk, (n) => lane(`v_${kk}_`, n)),
  ];
  // Group g: inputs i0 + 4g.. of each sample's row (clamped into the row).
  return wgsl`
    ${forGroups(t, (g) => `let xg_${g} = min(i0 + ${4 * g}u, fin - 4u) / 4u;`)}
    for (var k = 0u; k < B4; k++) {
      ${forRows(t, (m) => `let u_${m} = scratch[ra_${m} + k];`)}
      ${range(4).flatMap(step)}
    }`;
}

/** The gradient tile's loop over the samples, 4 per step; column operands are activation rows. */
function gradLoopHidden(t: TileShape): string {
  // Column n: the activations of input i0 + n (clamped to the last input).
  return wgsl`
    ${forCols(t, (n) => `let ca_${n} = unit_row(p, l - 1u, min(i0 + ${n}u, fin - 1u)) / 4u;`)}
    for (var k = 0u; k < B4; k++) {
      ${forRows(t, (m) => `let u_${m} = scratch[ra_${m} + k];`)}
      ${forCols(t, (n) => `let v_${n} = scratch[ca_${n} + k];`)}
      ${range(4).flatMap((kk) => gradSample(t, kk, (n) => `v_${n}.${LANE[kk]}`))}
    }`;
}

/**
 * Weight-gradient tile (vec4): G[j][i] = sum_b delta[j][b] in[i][b] for units j0.. and inputs i0..
 * (C a multiple of 4), and the bias gradients sum_b delta[j][b] of its rows, summed from the delta
 * values the loop loads anyway (vec4 plans have no bias column; tiles at i0 = 0 store the bias).
 * Delta rows are read 4 samples at a time; the first layer reads each sample's data-set row 4
 * inputs at a time, the others their input activations 4 samples at a time. Stores 4 weights per
 * access: gradients, or the parameters after a fused SGD step, as the scalar tile. Returns the sum
 * of squares of the gradients stored.
 */
export function gradTileVec4Wgsl(t: TileShape, first: boolean, name: string): string {
  const norm = (term: (m: number) => string) =>
    `sq += ${range(t.rows).map((m) => `rv_${m} * ${term(m)}`).join(" + ")};`;
  const storeWeights: Lines = [
    ...forRows(t, (m) => `let g_${m} = ${head4(m)};`),
    ...forRows(t, (m) => `let w_${m} = params[ew_${m} + s];`),
    ...forRows(t, (m) => `params_out[ew_${m} + s] = ${gradientStore(`g_${m}`, `w_${m}`)};`),
    norm((m) => `dot(g_${m}, g_${m})`),
  ];
  return wgsl`
    // Weight-gradient tile of layer l (vec4): units j0..j0+${t.rows - 1} x inputs i0..i0+${
    t.cols - 1
  }.
    fn ${name}(p: u32, slot: u32, l: u32, j0: u32, i0: u32) -> f32 {
      let fin = width(l);
      let fin4 = fin / 4u;
      let fout = width(l + 1u);
      let B = u.B;
      let B4 = B / 4u;
      let drow = (deltas_base(p) + a_off(l) * B) / 4u;
      ${forRows(t, (m) => `let j_${m} = min(j0 + ${m}u, fout - 1u);`)}
      ${forRows(t, (m) => `let ra_${m} = drow + j_${m} * B4;`)}
      ${accumulators(t, () => "0.0")}
      ${forRows(t, (m) => `var d_${m} = 0.0;`)}
      ${first ? gradLoopFirst(t) : gradLoopHidden(t)}
      let pp = p * u.stride;
      ${forRows(t, (m) => `let ew_${m} = (pp + w_off(l) + j_${m} * fin + i0) / 4u;`)}
      // Rows past the end are clamped duplicates: masked out of the norm.
      ${forRows(t, (m) => `let rv_${m} = select(0.0, 1.0, j0 + ${m}u < fout);`)}
      var sq = 0.0;
      // Groups of 4 weights (columns i0.. below fin).
      ${quadEpilogue(t, `min(${t.cols / 4}u, (fin - i0) / 4u)`, storeWeights)}
      // The bias gradients, stored by the tiles of input 0 only.
      for (var s = 0u; s < select(0u, 1u, i0 == 0u); s++) {
        ${forRows(t, (m) => `let eb_${m} = pp + b_off(l) + j_${m};`)}
        ${forRows(t, (m) => `let w_${m} = ld_params(eb_${m});`)}
        ${forRows(t, (m) => `st_out(eb_${m}, ${gradientStore(`d_${m}`, `w_${m}`)});`)}
        ${norm((m) => `d_${m} * d_${m}`)}
      }
      return sq;
    }`;
}

/**
 * Delta tile of layer l - 1 (vec4): delta[i][b] = f'(a[i][b]) * sum_j W[j][i] delta_l[j][b] for
 * inputs i0.. and samples b0.. (R and C multiples of 4). Reads 4 inputs of a weight row and 4
 * samples of a delta row per access; stores 4 samples per access.
 */
export function deltaTileVec4Wgsl(t: TileShape, name: string): string {
  const rowGroups = range(t.rows / 4);
  // Row m of the tile is input ih_{m/4} + m%4.
  const row = (m: number) => `ih_${Math.floor(m / 4)} + ${m % 4}u`;
  const count = `min(${t.cols / 4}u, (B - b0) / 4u)`;
  const store = forRows(
    t,
    (m) => `scratch[do_${m} + s] = ${head4(m)} * activate_grad4(scratch[ao_${m} + s]);`,
  );
  return wgsl`
    // Delta tile of layer l - 1 (vec4): inputs i0..i0+${t.rows - 1} of layer l x samples b0..b0+${
    t.cols - 1
  }.
    fn ${name}(p: u32, l: u32, i0: u32, b0: u32) {
      let fin = width(l);
      let fin4 = fin / 4u;
      let B = u.B;
      let B4 = B / 4u;
      let pw = (p * u.stride + w_off(l)) / 4u;
      let dl = (deltas_base(p) + a_off(l) * B) / 4u;
      ${rowGroups.map((h) => `let ih_${h} = min(i0 + ${4 * h}u, fin - 4u);`)}
      ${rowGroups.map((h) => `let ra_${h} = pw + ih_${h} / 4u;`)}
      ${forGroups(t, (g) => `let ca_${g} = dl + min(b0 + ${4 * g}u, B - 4u) / 4u;`)}
      ${accumulators(t, () => "0.0")}
      for (var j = 0u; j < width(l + 1u); j++) {
        ${rowGroups.map((h) => `let u_${h} = params[ra_${h} + j * fin4];`)}
        ${forGroups(t, (g) => `let v_${g} = scratch[ca_${g} + j * B4];`)}
        ${forEntries(t, (m, n) => `a_${m}_${n} += ${lane("u_", m)} * ${lane("v_", n)};`)}
      }
      let ar = unit_row(p, l - 1u, 0u);
      let dr = deltas_base(p) + a_off(l - 1u) * B;
      ${forRows(t, (m) => `let ao_${m} = (ar + (${row(m)}) * B + b0) / 4u;`)}
      ${forRows(t, (m) => `let do_${m} = (dr + (${row(m)}) * B + b0) / 4u;`)}
      ${quadEpilogue(t, count, store)}
    }`;
}
