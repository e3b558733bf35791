/**
 * Wrappers of the factored meta loop's kernels (learners/meta_train/lowrank_loop.ts):
 * shaders/lowrank_project.wgsl, shaders/lowrank_inner.wgsl and shaders/lowrank_outer.wgsl, with
 * the shared rows snippet shaders/_lowrank_rows.wgsl. Their CPU twins are in lowrank_cpu.ts.
 * @module
 */
import projectCode from "../../shaders/lowrank_project.wgsl" with { type: "text" };
import innerCode from "../../shaders/lowrank_inner.wgsl" with { type: "text" };
import outerCode from "../../shaders/lowrank_outer.wgsl" with { type: "text" };
import rowsCode from "../../shaders/_lowrank_rows.wgsl" with { type: "text" };
import { ceilDiv } from "../../core/buffers.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { type LowrankShape, queryRows, tailCount, tailStart, tailStride } from "./lowrank_shape.ts";

const ROWS_PART = { file: "shaders/_lowrank_rows.wgsl", code: rowsCode };
const ROWS_PARAMS = "idsOffset, supportSize, querySize";
const ROWS_READ = "ids: array<u32>, support: array<u32>, query: array<u32>";

/** The projection kernel (one workgroup per task and chunk of 8 rows). */
export const LOWRANK_PROJECT: MetaKernel = metaKernel("lowrank_project", projectCode, {
  parts: [ROWS_PART],
  read: `theta, x, theta4: array<vec4<f32>>, x4: array<vec4<f32>>, ${ROWS_READ}`,
  readWrite: "proj, samples: array<u32>",
  params: `tasks, rows, chunks, hidden, inputs, w0, quads, gridX, ${ROWS_PARAMS}`,
});

/** The outer-product and mean kernel (first-layer blocks, then tail entries; see its header). */
export const LOWRANK_OUTER: MetaKernel = metaKernel("lowrank_outer", outerCode, {
  mean: true,
  read: `theta, x, A, tails, d1q, metrics, theta4: array<vec4<f32>>, x4: array<vec4<f32>>, ` +
    `d1q4: array<vec4<f32>>, samples: array<u32>`,
  readWrite: "out, out4: array<vec4<f32>>",
  params: `tasks, hidden, inputs, batch, withQuery, w0, tail0, tailCount, tailStride, wGroups, ` +
    `quads, rows, supportSize, gridX`,
});

/** Whether lowrank_inner serves a layout: every hidden width a multiple of 4 (its quads). */
export function innerServes(layout: MlpLayout): boolean {
  return layout.widths.slice(1, -1).every((w) => w % 4 === 0);
}

/** First quad of each layer's units in a scratch row, then the row's quads (layers + 1 values). */
export function scratchQuads(layout: MlpLayout): number[] {
  const aq = [0];
  for (let l = 1; l <= layout.layers; l++) aq.push(aq[l - 1]! + Math.ceil(layout.widths[l]! / 4));
  return aq;
}

/** Invocations per workgroup of lowrank_inner (one task each). */
const INNER_GROUP = 8;

/** The inner-loop kernel (one invocation per task). */
export const LOWRANK_INNER: MetaKernel = metaKernel("lowrank_inner", innerCode, {
  read: `theta4: array<vec4<f32>>, proj, y, ids: array<u32>, classes: array<u32>, ` +
    `samples: array<u32>`,
  readWrite: "A, d1q, metrics, tails: array<vec4<f32>>, scratch: array<vec4<f32>>",
  params: `tasks, batch, withQuery, steps, hidden, outputs, layers, tail0, tailQuads, ` +
    `rowsMax, rowQuads, relu, mse, classWidth, targetWidth, gridX, lr: f32, ` +
    `widths: array<u32, 5>, wo: array<u32, 4>, bo: array<u32, 4>, aq: array<u32, 5>, ` +
    `rows, idsOffset, supportSize`,
  workgroupSize: INNER_GROUP,
});

/** Rows of an iteration's per-task scratch (activations, then deltas): a multiple of 8. */
export function scratchRows(s: LowrankShape): number {
  return Math.ceil(Math.max(s.support, queryRows(s)) / 8) * 8;
}

/** Floats of an iteration's scratch (tasks, 2, scratchRows, row quads, 4). */
export function scratchFloats(L: MlpLayout, s: LowrankShape): number {
  return s.tasks * 2 * scratchRows(s) * scratchQuads(L)[L.layers]! * 4;
}

/** Buffers shared by the runs of one iteration. */
export interface LowrankBuffers {
  /** theta (stride). */
  theta: MetaBinding;
  /** Data set inputs (count, inputs). */
  x: MetaBinding;
  /** Data set targets (count, targetWidth). */
  y: MetaBinding;
  /** Episode ids of the run. */
  ids: MetaBinding;
  /** The pool's support indices (episodes, supportSize). */
  support: MetaBinding;
  /** The pool's query indices (episodes, querySize). */
  query: MetaBinding;
  /** The pool's class lists (episodes, classWidth; learners/tasks/episode_classes.ts), or a placeholder. */
  classes: MetaBinding;
  /** (tasks, R, H + S) projections and Gram rows. */
  proj: MetaBinding;
  /** (tasks, H, S) first-layer factors. */
  A: MetaBinding;
  /** (tasks, tailStride) adapted tails (Reptile) or tail gradients (FOMAML). */
  tails: MetaBinding;
  /** (tasks, batch, H) FOMAML's first-layer query deltas. */
  d1q: MetaBinding;
  /** (tasks, METRIC_STRIDE) the tasks' metrics rows. */
  metrics: MetaBinding;
  /** lowrank_inner's activations and deltas (scratchFloats). */
  scratch: MetaBinding;
  /** The mean row lowrank_outer writes (stride). */
  out: MetaBinding;
  /** (tasks, R) each row's data-set row (lowrank_project writes it, the others read it). */
  samples: MetaBinding;
}

/** Where an iteration's rows come from (see lowrank_shape.ts). */
export interface LowrankRowParams {
  /** Index of task 0's id in the ids buffer. */
  idsOffset: number;
  /** Query samples per episode (the pool's). */
  querySize: number;
  /** Class-list row width (the pool's ways; 0: labels as stored). */
  classWidth: number;
  /** Targets per sample. */
  targetWidth: number;
}

/** The runs of one factored iteration: project, inner, outer (in this order, one pass). */
export function lowrankRuns(
  L: MlpLayout,
  b: LowrankBuffers,
  s: LowrankShape,
  r: LowrankRowParams,
): [MetaRun, MetaRun, MetaRun] {
  const rows = { idsOffset: r.idsOffset, supportSize: s.support, querySize: r.querySize };
  return [projectRun(L, b, s, rows), innerRun(L, b, s, { ...r, ...rows }), outerRun(L, b, s, rows)];
}

type RowValues = { idsOffset: number; supportSize: number; querySize: number };

function projectRun(L: MlpLayout, b: LowrankBuffers, s: LowrankShape, rows: RowValues): MetaRun {
  const rowsR = s.support + queryRows(s);
  const chunks = ceilDiv(rowsR, 8);
  const { theta, x, ids, support, query, proj } = b;
  return {
    n: s.tasks * chunks * 64,
    buffers: { theta, x, theta4: theta, x4: x, ids, support, query, proj, samples: b.samples },
    params: {
      tasks: s.tasks,
      rows: rowsR,
      chunks,
      hidden: L.widths[1]!,
      inputs: L.inputs,
      w0: L.weightOffset[0]!,
      quads: vec4Inputs(L) ? 1 : 0,
      ...rows,
    },
  };
}

/** Whether the first layer's products read vec4 quads (inputs and first hidden width % 4 == 0). */
export function vec4Inputs(L: MlpLayout): boolean {
  return L.inputs % 4 === 0 && L.widths[1]! % 4 === 0 && L.weightOffset[0]! % 4 === 0;
}

function innerRun(
  L: MlpLayout,
  b: LowrankBuffers,
  s: LowrankShape,
  r: LowrankRowParams & RowValues,
): MetaRun {
  const pad = (a: number[], n: number) => [...a, ...new Array(n - a.length).fill(0)];
  const { theta, proj, y, ids, classes, A, tails, d1q, metrics, scratch, samples } = b;
  const { classWidth, targetWidth, idsOffset, supportSize } = r;
  return {
    n: s.tasks,
    buffers: {
      theta4: theta,
      proj,
      y,
      ids,
      classes,
      samples,
      A,
      d1q,
      metrics,
      tails,
      scratch,
    },
    params: {
      tasks: s.tasks,
      batch: s.batch,
      withQuery: s.query ? 1 : 0,
      steps: s.steps,
      hidden: L.widths[1]!,
      outputs: L.outputs,
      layers: L.layers,
      tail0: tailStart(L),
      tailQuads: tailStride(L) / 4,
      rowsMax: scratchRows(s),
      rowQuads: scratchQuads(L)[L.layers]!,
      relu: L.activation === "relu" ? 1 : 0,
      mse: L.loss === "mse" ? 1 : 0,
      classWidth,
      targetWidth,
      lr: s.lr,
      widths: pad(L.widths, 5),
      wo: pad(L.weightOffset, 4),
      bo: pad(L.biasOffset, 4),
      aq: pad(scratchQuads(L), 5),
      rows: s.support + queryRows(s),
      idsOffset,
      supportSize,
    },
  };
}

function outerRun(L: MlpLayout, b: LowrankBuffers, s: LowrankShape, rows: RowValues): MetaRun {
  const quads = vec4Inputs(L);
  const blocks = (L.widths[1]! / 4) * ceilDiv(L.inputs, 16);
  const wGroups = quads ? ceilDiv(blocks, 64) : ceilDiv(L.inputs, 8);
  const { theta, x, A, tails, d1q, metrics, samples, out } = b;
  return {
    n: (wGroups + ceilDiv(tailCount(L), 64)) * 64,
    buffers: {
      theta,
      x,
      A,
      tails,
      d1q,
      metrics,
      theta4: theta,
      x4: x,
      d1q4: d1q,
      samples,
      out,
      out4: out,
    },
    params: {
      tasks: s.tasks,
      hidden: L.widths[1]!,
      inputs: L.inputs,
      batch: s.batch,
      withQuery: s.query ? 1 : 0,
      w0: L.weightOffset[0]!,
      tail0: tailStart(L),
      tailCount: tailCount(L),
      tailStride: tailStride(L),
      wGroups,
      quads: quads ? 1 : 0,
      rows: s.support + queryRows(s),
      supportSize: rows.supportSize,
    },
  };
}
