/**
 * The WGSL of the register tiles planned by mlp_tiles.ts: one function per tile kind (shape, and
 * whether its layer reads the data set), and per-layer drivers `forward_layer`, `grad_layer` and
 * `delta_layer` that shaders/_mlp.wgsl and shaders/train_step.wgsl call.
 * @module
 */
import type { WgslPart } from "../../core/pipelines.ts";
import { deltaTileVec4Wgsl, forwardTileVec4Wgsl, gradTileVec4Wgsl } from "./mlp_tiles_vec4_wgsl.ts";
import {
  biasColumns,
  epilogueLoops,
  type LayerTiles,
  range,
  type TilePlan,
  tilePlanKey,
  type TileShape,
} from "./mlp_tiles.ts";
import { storageViews } from "./storage_views_wgsl.ts";
import { accumulators, activateAll, gradientStore, perEntry, shiftColumns } from "./tile_lines.ts";

/**
 * The shared loop of a tile over k below `shared`: `pre` opens each step, row operand m is
 * `row(m)` and column operand n is `col(n)` (WGSL expressions of k); accumulators a_m_n.
 */
function tileLoop(
  t: TileShape,
  shared: string,
  pre: string[],
  row: (m: number) => string,
  col: (n: number) => string,
): string[] {
  return [
    `  for (var k = 0u; k < ${shared}; k++) {`,
    ...pre.map((line) => `    ${line}`),
    ...range(t.rows).map((m) => `    let u_${m} = ${row(m)};`),
    ...range(t.cols).map((n) => `    let v_${n} = ${col(n)};`),
    ...perEntry(t, (m, n) => `    a_${m}_${n} += u_${m} * v_${n};`),
    `  }`,
  ];
}

/** `let <name>_<i> = min(<first> + i, <last>);` for i < n: clamped row or column indices. */
function clampedIndices(name: string, n: number, first: string, last: string): string[] {
  return range(n).map((i) => `  let ${name}_${i} = min(${first} + ${i}u, ${last});`);
}

/**
 * The epilogue of a tile: `body(col, n, valid)` handles accumulator column n (a_m_n) of input
 * column `col` (`valid`: a WGSL condition false for a clamped duplicate column, or "" when it
 * cannot be one). Small tiles run it unrolled for every column n, with the clamped column index
 * `<name>_n`. Bigger tiles run a loop over their first `count` columns, each step handling column
 * `first + s` through a_m_0 and then shifting every row one column left (a_m_n = a_m_{n+1}): the
 * loop keeps one storage-access site per row instead of one per entry. lavapipe compiles every
 * storage access into its own loop over the SIMD lanes, and both its compile time and the kernel's
 * speed suffer from many sites (on W, 16 x 16 tiles with unrolled stores compiled 20x longer and
 * trained 1.12x faster than 8 x 8 tiles, with this loop 1.44x faster).
 */
function epilogue(
  t: TileShape,
  cols: { name: string; first: string; count: string; valid: (n: number) => string },
  body: (col: string, n: number, valid: string) => string[],
): string[] {
  if (!epilogueLoops(t)) {
    return range(t.cols).flatMap((n) => [
      `  {`,
      ...body(`${cols.name}_${n}`, n, cols.valid(n)).map((line) => `    ${line}`),
      `  }`,
    ]);
  }
  return [
    `  for (var s = 0u; s < ${cols.count}; s++) {`,
    ...body(`(${cols.first} + s)`, 0, "").map((line) => `    ${line}`),
    ...shiftColumns(t, 1),
    `  }`,
  ];
}

/** A tile shape and whether its layer is the first (whose inputs are read from the data set). */
interface TileKind {
  shape: TileShape;
  first: boolean;
}

const suffix = (k: TileKind) => `${k.shape.rows}x${k.shape.cols}${k.first ? "_x" : ""}`;
const fwdName = (k: TileKind) => `fwd_tile_${suffix(k)}`;
const gradName = (k: TileKind) => `grad_tile_${suffix(k)}`;
const deltaName = (k: TileKind) => `delta_tile_${suffix(k)}`;

/**
 * Forward tile: z[j][b] = bias[j] + sum_i W[j][i] in[i][b], activated below the last layer. The
 * first layer reads its inputs from the data set (rows sample_index(p, slot, b)), the others from
 * the activations of the layer below.
 */
function forwardTileWgsl(kind: TileKind, vec4: boolean): string {
  const t = kind.shape;
  if (vec4) return forwardTileVec4Wgsl(t, kind.first, fwdName(kind));
  const col = kind.first
    ? {
      at: (n: number) => `sample_index(p, slot, b_${n}) * fin`,
      load: (n: number) => `f32(x[ca_${n} + k])`,
    }
    : {
      at: (n: number) => `unit_row(p, l - 1u, 0u) + b_${n}`,
      load: (n: number) => `scratch[ca_${n} + cq]`,
    };
  return [
    `// Forward tile of layer l: units j0..j0+${t.rows - 1} x samples b0..b0+${t.cols - 1}.`,
    `fn ${fwdName(kind)}(p: u32, slot: u32, nb: u32, l: u32, j0: u32, b0: u32) {`,
    `  let fin = width(l);`,
    `  let B = u.B;`,
    `  let pw = p * u.stride + w_off(l);`,
    `  let pbias = p * u.stride + b_off(l);`,
    ...clampedIndices("j", t.rows, "j0", "width(l + 1u) - 1u"),
    ...clampedIndices("b", t.cols, "b0", "nb - 1u"),
    ...range(t.rows).map((m) => `  let ra_${m} = pw + j_${m} * fin;`),
    ...range(t.cols).map((n) => `  let ca_${n} = ${col.at(n)};`),
    ...range(t.rows).map((m) => `  let bias_${m} = params[pbias + j_${m}];`),
    ...accumulators(t, (m) => `bias_${m}`),
    ...tileLoop(
      t,
      "fin",
      kind.first ? [] : [`let cq = k * B;`],
      (m) => `params[ra_${m} + k]`,
      col.load,
    ),
    ...activateAll(t),
    `  let o = unit_row(p, l, 0u);`,
    ...epilogue(
      t,
      { name: "b", first: "b0", count: `min(${t.cols}u, nb - b0)`, valid: () => "" },
      (c, n) => range(t.rows).map((m) => `scratch[o + j_${m} * B + ${c}] = a_${m}_${n};`),
    ),
    `}`,
  ].join("\n");
}

/**
 * Weight-gradient tile: G[j][i] = sum_b delta[j][b] in[i][b] for units j0.. and inputs i0.., where
 * input fin (a constant 1) gives the bias gradient. The first layer reads its inputs from the data
 * set, sample b at row sample_index(p, slot, b). Stores the gradients in params_out, or, for a
 * model whose SGD step is fused (`fuse.on`, see shaders/train_step.wgsl), the updated parameters
 * w - lr * (g + wd * w). Returns the sum of squares of the gradients.
 */
function gradTileWgsl(kind: TileKind, vec4: boolean): string {
  const t = kind.shape;
  if (vec4) return gradTileVec4Wgsl(t, kind.first, gradName(kind));
  // Input column n: xi_n (input i_n, clamped to a real input for the bias column), one_n (bias).
  const col = kind.first
    ? {
      at: (n: number) => `xi_${n}`,
      pre: [`let xr = sample_index(p, slot, k) * fin;`],
      load: (n: number) => `select(f32(x[xr + ca_${n}]), 1.0, one_${n})`,
    }
    : {
      at: (n: number) => `unit_row(p, l - 1u, xi_${n})`,
      pre: [],
      load: (n: number) => `select(scratch[ca_${n} + k], 1.0, one_${n})`,
    };
  return [
    `// Weight-gradient tile of layer l: units j0..j0+${t.rows - 1} x inputs i0..i0+${t.cols - 1}.`,
    `fn ${gradName(kind)}(p: u32, slot: u32, l: u32, j0: u32, i0: u32) -> f32 {`,
    `  let fin = width(l);`,
    `  let fout = width(l + 1u);`,
    `  let B = u.B;`,
    `  let drow = deltas_base(p) + a_off(l) * B;`,
    ...clampedIndices("j", t.rows, "j0", "fout - 1u"),
    ...clampedIndices("i", t.cols, "i0", "fin"),
    ...range(t.cols).map((n) => `  let xi_${n} = min(i_${n}, fin - 1u);`),
    ...range(t.cols).map((n) => `  let one_${n} = i_${n} == fin;`),
    ...range(t.rows).map((m) => `  let ra_${m} = drow + j_${m} * B;`),
    ...range(t.cols).map((n) => `  let ca_${n} = ${col.at(n)};`),
    ...accumulators(t, () => "0.0"),
    ...tileLoop(t, "B", col.pre, (m) => `scratch[ra_${m} + k]`, col.load),
    `  let pp = p * u.stride;`,
    `  // Offsets within the model of row m's weights and bias (gradients and parameters alike).`,
    ...range(t.rows).map((m) => `  let ew_${m} = w_off(l) + j_${m} * fin;`),
    ...range(t.rows).map((m) => `  let eb_${m} = b_off(l) + j_${m};`),
    `  // Rows and columns past the end are clamped duplicates: masked out of the norm.`,
    ...range(t.rows).map((m) => `  let rv_${m} = select(0.0, 1.0, j0 + ${m}u < fout);`),
    `  var sq = 0.0;`,
    // Input i: the weight gradient for i < fin, the bias gradient for i = fin.
    ...epilogue(
      t,
      {
        name: "i",
        first: "i0",
        count: `min(${t.cols}u, fin + 1u - i0)`,
        valid: (n) => `i0 + ${n}u <= fin`,
      },
      (i, n, valid) => [
        ...range(t.rows).map((m) => `let e_${m} = select(ew_${m} + ${i}, eb_${m}, ${i} == fin);`),
        ...range(t.rows).map((m) => `let w_${m} = params[pp + e_${m}];`),
        ...range(t.rows).map((m) =>
          `st_out(pp + e_${m}, ${gradientStore(`a_${m}_${n}`, `w_${m}`)});`
        ),
        `sq += ${valid ? `select(0.0, 1.0, ${valid}) * ` : ""}(${
          range(t.rows).map((m) => `rv_${m} * a_${m}_${n} * a_${m}_${n}`).join(" + ")
        });`,
      ],
    ),
    `  return sq;`,
    `}`,
  ].join("\n");
}

/** Delta tile of layer l: delta[i][b] = f'(a[i][b]) * sum_j W[j][i] delta_l[j][b] (layer l - 1). */
function deltaTileWgsl(kind: TileKind, vec4: boolean): string {
  const t = kind.shape;
  if (vec4) return deltaTileVec4Wgsl(t, deltaName(kind));
  return [
    `// Delta tile of layer l - 1: inputs i0..i0+${t.rows - 1} of layer l x samples b0..b0+${
      t.cols - 1
    }.`,
    `fn ${deltaName(kind)}(p: u32, l: u32, i0: u32, b0: u32) {`,
    `  let fin = width(l);`,
    `  let B = u.B;`,
    `  let pw = p * u.stride + w_off(l);`,
    `  let dl = deltas_base(p) + a_off(l) * B;`,
    ...clampedIndices("i", t.rows, "i0", "fin - 1u"),
    ...clampedIndices("b", t.cols, "b0", "B - 1u"),
    ...range(t.rows).map((m) => `  let ra_${m} = pw + i_${m};`),
    ...range(t.cols).map((n) => `  let ca_${n} = dl + b_${n};`),
    ...accumulators(t, () => "0.0"),
    ...tileLoop(
      t,
      "width(l + 1u)",
      [`let rq = k * fin;`, `let cq = k * B;`],
      (m) => `params[ra_${m} + rq]`,
      (n) => `scratch[ca_${n} + cq]`,
    ),
    `  let ar = unit_row(p, l - 1u, 0u);`,
    `  let dr = deltas_base(p) + a_off(l - 1u) * B;`,
    ...epilogue(
      t,
      { name: "b", first: "b0", count: `min(${t.cols}u, B - b0)`, valid: () => "" },
      (c, n) =>
        range(t.rows).map((m) =>
          `scratch[dr + i_${m} * B + ${c}] = a_${m}_${n} * activate_grad(scratch[ar + i_${m} * B + ${c}]);`
        ),
    ),
    `}`,
  ].join("\n");
}

/** The layers of a plan grouped by tile kind (shape, first layer or not); none for null shapes. */
function layersByKind(
  plan: TilePlan,
  pick: (t: LayerTiles) => TileShape | null,
): { kind: TileKind; layers: number[] }[] {
  const groups = new Map<string, { kind: TileKind; layers: number[] }>();
  plan.layers.forEach((t, l) => {
    const shape = pick(t);
    if (!shape) return;
    const kind = { shape, first: l === 0 };
    const g = groups.get(suffix(kind)) ?? { kind, layers: [] };
    g.layers.push(l);
    groups.set(suffix(kind), g);
  });
  return [...groups.values()];
}

/**
 * A `switch (l)` with one case per tile kind, listing the layers of that kind: every call of a
 * tile function is inlined by the compiler, so layers of one kind share a call.
 */
function kindSwitch(
  groups: { kind: TileKind; layers: number[] }[],
  body: (k: TileKind) => string[],
): string[] {
  return [
    `  switch (l) {`,
    ...groups.flatMap((g) => [
      `    case ${g.layers.map((l) => `${l}u`).join(", ")}: {`,
      ...body(g.kind).map((line) => `      ${line}`),
      `    }`,
    ]),
    `    default: {}`,
    `  }`,
  ];
}

/**
 * Role r's share of the tiles of a `rows` x `cols` product (WGSL extents) of tile kind k: tile t
 * covers row block t % nr and column block t / nr (bench/roofline.ts counts them so); `call`
 * gets the first row and column of the tile.
 */
function tileDriver(
  k: TileKind,
  rows: string,
  cols: string,
  call: (r0: string, c0: string) => string,
): string[] {
  const { rows: R, cols: C } = k.shape;
  return [
    `let nr = (${rows} + ${R - 1}u) / ${R}u;`,
    `let tiles = nr * ((${cols} + ${C - 1}u) / ${C}u);`,
    `for (var t = r; t < tiles; t += ROLES) { ${call(`(t % nr) * ${R}u`, `(t / nr) * ${C}u`)} }`,
  ];
}

/**
 * The forward tiles of a plan and `forward_layer(p, slot, nb, l, r)`: role r's share of layer l's
 * forward tiles on samples 0..nb-1 (rows sample_index(p, slot, b) of the data set), used by
 * shaders/_mlp.wgsl's mlp_forward.
 */
export function forwardTilesWgsl(plan: TilePlan): WgslPart {
  const groups = layersByKind(plan, (l) => l.forward);
  const code = [
    `// Generated by learners/mlp/mlp_tiles.ts (forward tiles of the plan ${tilePlanKey(plan)}).`,
    storageViews(plan.vec4, ["params", "scratch"]),
    ...groups.map((g) => forwardTileWgsl(g.kind, plan.vec4)),
    `fn forward_layer(p: u32, slot: u32, nb: u32, l: u32, r: u32) {`,
    ...kindSwitch(
      groups,
      (k) =>
        tileDriver(
          k,
          "width(l + 1u)",
          "nb",
          (j0, b0) => `${fwdName(k)}(p, slot, nb, l, ${j0}, ${b0});`,
        ),
    ),
    `}`,
  ].join("\n");
  return { file: "<generated by learners/mlp/mlp_tiles_wgsl.ts: forward tiles>", code };
}

/**
 * The backward tiles of a plan, `grad_layer(p, slot, l, r) -> f32` (role r's weight-gradient tiles
 * of layer l, returning the sum of squares it stored) and `delta_layer(p, l, r)` (its delta tiles
 * of layer l - 1), used by shaders/train_step.wgsl.
 */
export function backwardTilesWgsl(plan: TilePlan): WgslPart {
  const grads = layersByKind(plan, (l) => l.grad);
  const deltas = layersByKind(plan, (l) => l.delta);
  const code = [
    `// Generated by learners/mlp/mlp_tiles.ts (backward tiles of the plan ${tilePlanKey(plan)}).`,
    storageViews(plan.vec4, ["params_out", "opt"]),
    ...grads.map((g) => gradTileWgsl(g.kind, plan.vec4)),
    ...deltas.map((g) => deltaTileWgsl(g.kind, plan.vec4)),
    `fn grad_layer(p: u32, slot: u32, l: u32, r: u32) -> f32 {`,
    `  var sq = 0.0;`,
    ...kindSwitch(grads, (k) =>
      tileDriver(
        k,
        "width(l + 1u)",
        `(width(l) + ${biasColumns(plan)}u)`,
        (j0, i0) => `sq += ${gradName(k)}(p, slot, l, ${j0}, ${i0});`,
      )),
    `  return sq;`,
    `}`,
    `fn delta_layer(p: u32, l: u32, r: u32) {`,
    ...kindSwitch(
      deltas,
      (k) => tileDriver(k, "width(l)", "u.B", (i0, b0) => `${deltaName(k)}(p, l, ${i0}, ${b0});`),
    ),
    `}`,
  ].join("\n");
  return { file: "<generated by learners/mlp/mlp_tiles_wgsl.ts: backward tiles>", code };
}
