/**
 * The WGSL of vec4 register tiles (plans with `vec4`, see mlp_tiles.ts): the same products as the
 * scalar tiles of mlp_tiles_wgsl.ts, with every operand and output moved 4 consecutive floats per
 * storage access. The kernel then declares `params`, `scratch`, `params_out` as arrays of vec4<f32>
 * and `x` as vec4<InputT> (storageViewsWgsl), which quadLayout guarantees to be aligned.
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
import { accumulators, activateAll, gradientStore, perEntry, shiftColumns } from "./tile_lines.ts";

const LANE = ["x", "y", "z", "w"];

/** vec4<f32>(a_m_0, a_m_1, a_m_2, a_m_3): the first 4 accumulators of row m. */
const head4 = (m: number) => `vec4<f32>(a_${m}_0, a_${m}_1, a_${m}_2, a_${m}_3)`;

/**
 * An epilogue loop of `count` steps over the tile's groups of 4 columns: each step runs `body` on
 * a_m_0..a_m_3 (group s), then shifts every row 4 columns left (a_m_n = a_m_{n+4}), so that the
 * loop keeps one storage-access site per row (see the scalar epilogue in mlp_tiles_wgsl.ts).
 */
function quadEpilogue(t: TileShape, count: string, body: string[]): string[] {
  return [
    `  for (var s = 0u; s < ${count}; s++) {`,
    ...body.map((line) => `    ${line}`),
    ...shiftColumns(t, 4),
    `  }`,
  ];
}

/**
 * Forward tile (vec4): z[j][b] = bias[j] + sum_k W[j][k] in[k][b] for units j0.. and samples b0..
 * (C a multiple of 4), activated below the last layer. Weight rows are read 4 inputs at a time;
 * the first layer reads its data-set rows 4 inputs at a time too, the others their input
 * activations 4 samples at a time, 4 inputs per loop step. Stores 4 samples per access.
 */
export function forwardTileVec4Wgsl(t: TileShape, first: boolean, name: string): string {
  const groups = range(t.cols / 4);
  const fma = (kk: number, col: (n: number) => string) =>
    perEntry(t, (m, n) => `    a_${m}_${n} += u_${m}.${LANE[kk]} * ${col(n)};`);
  const loop = first
    ? [
      ...range(t.cols).map((n) => `  let b_${n} = min(b0 + ${n}u, nb - 1u);`),
      ...range(t.cols).map((n) => `  let ca_${n} = sample_index(p, slot, b_${n}) * fin4;`),
      `  for (var k = 0u; k < fin4; k++) {`,
      ...range(t.rows).map((m) => `    let u_${m} = params[ra_${m} + k];`),
      ...range(t.cols).map((n) => `    let v_${n} = vec4<f32>(x[ca_${n} + k]);`),
      ...range(4).flatMap((kk) => fma(kk, (n) => `v_${n}.${LANE[kk]}`)),
      `  }`,
    ]
    : [
      `  let B4 = B / 4u;`,
      `  let arow = unit_row(p, l - 1u, 0u) / 4u;`,
      ...groups.map((g) => `  let cg_${g} = arow + min(b0 + ${4 * g}u, B - 4u) / 4u;`),
      `  for (var k = 0u; k < fin4; k++) {`,
      ...range(t.rows).map((m) => `    let u_${m} = params[ra_${m} + k];`),
      ...range(4).flatMap((kk) => [
        `    let cq_${kk} = (4u * k + ${kk}u) * B4;`,
        ...groups.map((g) => `    let v_${kk}_${g} = scratch[cg_${g} + cq_${kk}];`),
        ...fma(kk, (n) => `v_${kk}_${Math.floor(n / 4)}.${LANE[n % 4]}`),
      ]),
      `  }`,
    ];
  return [
    `// Forward tile of layer l (vec4): units j0..j0+${t.rows - 1} x samples b0..b0+${t.cols - 1}.`,
    `fn ${name}(p: u32, slot: u32, nb: u32, l: u32, j0: u32, b0: u32) {`,
    `  let fin = width(l);`,
    `  let fin4 = fin / 4u;`,
    `  let B = u.B;`,
    `  let pw = p * u.stride + w_off(l);`,
    `  let pbias = p * u.stride + b_off(l);`,
    ...range(t.rows).map((m) => `  let j_${m} = min(j0 + ${m}u, width(l + 1u) - 1u);`),
    ...range(t.rows).map((m) => `  let ra_${m} = (pw + j_${m} * fin) / 4u;`),
    ...range(t.rows).map((m) => `  let bias_${m} = ld_params(pbias + j_${m});`),
    ...accumulators(t, (m) => `bias_${m}`),
    ...loop,
    ...activateAll(t),
    `  let o = unit_row(p, l, 0u);`,
    ...range(t.rows).map((m) => `  let o_${m} = (o + j_${m} * B + b0) / 4u;`),
    // Groups of samples past nb are not stored (their rows' slots stay unused).
    ...quadEpilogue(
      t,
      `min(${t.cols / 4}u, (nb - b0 + 3u) / 4u)`,
      range(t.rows).map((m) => `scratch[o_${m} + s] = ${head4(m)};`),
    ),
    `}`,
  ].join("\n");
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
  const groups = range(t.cols / 4);
  const fma = (u: (m: number) => string, col: (n: number) => string) =>
    perEntry(t, (m, n) => `    a_${m}_${n} += ${u(m)} * ${col(n)};`);
  const biasSums = (kk: number) => range(t.rows).map((m) => `    d_${m} += u_${m}.${LANE[kk]};`);
  const loop = first
    ? [
      // Group g: inputs i0 + 4g.. of each sample's row (clamped into the row).
      ...groups.map((g) => `  let xg_${g} = min(i0 + ${4 * g}u, fin - 4u) / 4u;`),
      `  for (var k = 0u; k < B4; k++) {`,
      ...range(t.rows).map((m) => `    let u_${m} = scratch[ra_${m} + k];`),
      ...range(4).flatMap((kk) => [
        `    let xr_${kk} = sample_index(p, slot, 4u * k + ${kk}u) * fin4;`,
        ...groups.map((g) => `    let v_${kk}_${g} = vec4<f32>(x[xr_${kk} + xg_${g}]);`),
        ...fma((m) => `u_${m}.${LANE[kk]}`, (n) => `v_${kk}_${Math.floor(n / 4)}.${LANE[n % 4]}`),
        ...biasSums(kk),
      ]),
      `  }`,
    ]
    : [
      // Column n: the activations of input i0 + n (clamped to the last input).
      ...range(t.cols).map((n) =>
        `  let ca_${n} = unit_row(p, l - 1u, min(i0 + ${n}u, fin - 1u)) / 4u;`
      ),
      `  for (var k = 0u; k < B4; k++) {`,
      ...range(t.rows).map((m) => `    let u_${m} = scratch[ra_${m} + k];`),
      ...range(t.cols).map((n) => `    let v_${n} = scratch[ca_${n} + k];`),
      ...range(4).flatMap((kk) => [
        ...fma((m) => `u_${m}.${LANE[kk]}`, (n) => `v_${n}.${LANE[kk]}`),
        ...biasSums(kk),
      ]),
      `  }`,
    ];
  const norm = (term: (m: number) => string) =>
    `sq += ${range(t.rows).map((m) => `rv_${m} * ${term(m)}`).join(" + ")};`;
  return [
    `// Weight-gradient tile of layer l (vec4): units j0..j0+${t.rows - 1} x inputs i0..i0+${
      t.cols - 1
    }.`,
    `fn ${name}(p: u32, slot: u32, l: u32, j0: u32, i0: u32) -> f32 {`,
    `  let fin = width(l);`,
    `  let fin4 = fin / 4u;`,
    `  let fout = width(l + 1u);`,
    `  let B = u.B;`,
    `  let B4 = B / 4u;`,
    `  let drow = (deltas_base(p) + a_off(l) * B) / 4u;`,
    ...range(t.rows).map((m) => `  let j_${m} = min(j0 + ${m}u, fout - 1u);`),
    ...range(t.rows).map((m) => `  let ra_${m} = drow + j_${m} * B4;`),
    ...accumulators(t, () => "0.0"),
    ...range(t.rows).map((m) => `  var d_${m} = 0.0;`),
    ...loop,
    `  let pp = p * u.stride;`,
    ...range(t.rows).map((m) => `  let ew_${m} = (pp + w_off(l) + j_${m} * fin + i0) / 4u;`),
    `  // Rows past the end are clamped duplicates: masked out of the norm.`,
    ...range(t.rows).map((m) => `  let rv_${m} = select(0.0, 1.0, j0 + ${m}u < fout);`),
    `  var sq = 0.0;`,
    `  // Groups of 4 weights (columns i0.. below fin).`,
    ...quadEpilogue(t, `min(${t.cols / 4}u, (fin - i0) / 4u)`, [
      ...range(t.rows).map((m) => `let g_${m} = ${head4(m)};`),
      ...range(t.rows).map((m) => `let w_${m} = params[ew_${m} + s];`),
      ...range(t.rows).map((m) =>
        `params_out[ew_${m} + s] = ${gradientStore(`g_${m}`, `w_${m}`)};`
      ),
      norm((m) => `dot(g_${m}, g_${m})`),
    ]),
    `  // The bias gradients, stored by the tiles of input 0 only.`,
    `  for (var s = 0u; s < select(0u, 1u, i0 == 0u); s++) {`,
    ...range(t.rows).map((m) => `    let eb_${m} = pp + b_off(l) + j_${m};`),
    ...range(t.rows).map((m) => `    let w_${m} = ld_params(eb_${m});`),
    ...range(t.rows).map((m) => `    st_out(eb_${m}, ${gradientStore(`d_${m}`, `w_${m}`)});`),
    `    ${norm((m) => `d_${m} * d_${m}`)}`,
    `  }`,
    `  return sq;`,
    `}`,
  ].join("\n");
}

/**
 * Delta tile of layer l - 1 (vec4): delta[i][b] = f'(a[i][b]) * sum_j W[j][i] delta_l[j][b] for
 * inputs i0.. and samples b0.. (R and C multiples of 4). Reads 4 inputs of a weight row and 4
 * samples of a delta row per access; stores 4 samples per access.
 */
export function deltaTileVec4Wgsl(t: TileShape, name: string): string {
  const rowGroups = range(t.rows / 4);
  const colGroups = range(t.cols / 4);
  // Row m of the tile is input ih_{m/4} + m%4.
  const row = (m: number) => `ih_${Math.floor(m / 4)} + ${m % 4}u`;
  return [
    `// Delta tile of layer l - 1 (vec4): inputs i0..i0+${t.rows - 1} of layer l x samples b0..b0+${
      t.cols - 1
    }.`,
    `fn ${name}(p: u32, l: u32, i0: u32, b0: u32) {`,
    `  let fin = width(l);`,
    `  let fin4 = fin / 4u;`,
    `  let B = u.B;`,
    `  let B4 = B / 4u;`,
    `  let pw = (p * u.stride + w_off(l)) / 4u;`,
    `  let dl = (deltas_base(p) + a_off(l) * B) / 4u;`,
    ...rowGroups.map((h) => `  let ih_${h} = min(i0 + ${4 * h}u, fin - 4u);`),
    ...rowGroups.map((h) => `  let ra_${h} = pw + ih_${h} / 4u;`),
    ...colGroups.map((g) => `  let ca_${g} = dl + min(b0 + ${4 * g}u, B - 4u) / 4u;`),
    ...accumulators(t, () => "0.0"),
    `  for (var j = 0u; j < width(l + 1u); j++) {`,
    ...rowGroups.map((h) => `    let u_${h} = params[ra_${h} + j * fin4];`),
    ...colGroups.map((g) => `    let v_${g} = scratch[ca_${g} + j * B4];`),
    ...perEntry(
      t,
      (m, n) =>
        `    a_${m}_${n} += u_${Math.floor(m / 4)}.${LANE[m % 4]} * v_${Math.floor(n / 4)}.${
          LANE[n % 4]
        };`,
    ),
    `  }`,
    `  let ar = unit_row(p, l - 1u, 0u);`,
    `  let dr = deltas_base(p) + a_off(l - 1u) * B;`,
    ...range(t.rows).map((m) => `  let ao_${m} = (ar + (${row(m)}) * B + b0) / 4u;`),
    ...range(t.rows).map((m) => `  let do_${m} = (dr + (${row(m)}) * B + b0) / 4u;`),
    ...quadEpilogue(
      t,
      `min(${t.cols / 4}u, (B - b0) / 4u)`,
      range(t.rows).map((m) =>
        `scratch[do_${m} + s] = ${head4(m)} * activate_grad4(scratch[ao_${m} + s]);`
      ),
    ),
    `}`,
  ].join("\n");
}
