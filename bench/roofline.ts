/**
 * A measured roofline for the fused train step on the current adapter.
 *
 * Two probe kernels, run in the same process as the benchmark, measure the adapter's storage-read
 * rate (reads of f32 per second, each invocation streaming its own range) and its arithmetic rate
 * (FLOP/s of independent vec4 multiply-add chains in registers). Each probe's output is checked
 * against its CPU twin before its rate is reported. The train step's storage accesses per
 * model-step are counted from the kernel's loop structure (`trainStepAccesses`, one invocation per
 * model as on software adapters), its FLOP from the layout; the two bounds are the probe rates
 * divided by those counts, and the lower one is the roofline the measured throughput is compared
 * with. On lavapipe every storage access is a scalar loop over the 8 SIMD lanes, so the storage
 * bound is the binding one; on hardware GPUs coalesced accesses make the count pessimistic.
 * @module
 */
import probeStorageWgsl from "../shaders/probe_storage.wgsl" with { type: "text" };
import probeFmaWgsl from "../shaders/probe_fma.wgsl" with { type: "text" };
import probeSharedWgsl from "../shaders/_probe.wgsl" with { type: "text" };
import { ceilDiv, createParamsBuffer, createStorageBuffer, readF32 } from "../core/buffers.ts";
import type { GpuContext } from "../core/gpu_context.ts";
import { bindBuffers, composeWgsl, getPipeline } from "../core/pipelines.ts";
import { Rng } from "../core/rng.ts";
import { flopsPerModelStep, type MlpLayout } from "../learners/mlp/mlp_layout.ts";
import { type FusedShape, type TrainKernel, withFusedStep } from "../learners/mlp/mlp_fused.ts";
import type { Fused2Shape } from "../learners/mlp/mlp_fused2.ts";
import {
  layerProducts,
  planTiles,
  type TiledProduct,
  type TilePlan,
} from "../learners/mlp/mlp_tiles.ts";

/** Storage reads and writes of one model-step of the train step, by phase. */
export interface StepAccesses {
  forward: number;
  loss: number;
  backward: number;
  update: number;
  total: number;
  /** How many of the total are vec4 accesses (4 floats each; the rest are scalar). */
  vec4: number;
}

/**
 * Storage accesses (f32/u32 reads plus writes) of one SGD model-step of shaders/train_step.wgsl
 * with one invocation per model, counted from its loops: those of the fused step
 * (learners/mlp/mlp_fused_wgsl.ts) where it applies and `kernel` is "fused", else those of the
 * register tiles that learners/mlp/mlp_tiles.ts plans for the layout: an R x C tile reads R + C
 * values per step of its shared dimension and stores its R * C outputs (clamped duplicate rows
 * included), at most `tileBudget` accumulators each (default MAX_TILE_ACCUMULATORS). Either way
 * the SGD update happens where the gradients are stored.
 */
export function trainStepAccesses(
  layout: MlpLayout,
  kernel: TrainKernel = "fused",
  tileBudget?: number,
): StepAccesses {
  const L = layout.layers;
  const g = { modelsPerGroup: 8, roles: 1 };
  const plan = withFusedStep(planTiles(layout, g, undefined, tileBudget), layout, g, kernel);
  if (plan.fused) return fusedStepAccesses(plan.fused);
  if (plan.fused2) return fused2StepAccesses(plan.fused2);
  if (plan.vec4) return vec4StepAccesses(layout, plan);
  // Reads of a product's tiles: R + C per step of the shared dimension plus `perStep` more (batch
  // indices), and `perEntry` accesses per output entry after the loop.
  const reads = (p: TiledProduct, perStep: number, perEntry: number) =>
    p.tiles *
    (p.shared * (p.tile.rows + p.tile.cols + perStep) + perEntry * p.tile.rows * p.tile.cols);
  let forward = 0;
  let backward = 0;
  for (let l = 0; l < L; l++) {
    const { forward: f, grad: g, delta: d } = layerProducts(layout, plan, l);
    // Forward: bias reads, the outputs stored; layer 0 reads C batch indices per tile.
    forward += reads(f, 0, 1) + f.tiles * (f.tile.rows + (l === 0 ? f.tile.cols : 0));
    // Weight gradient (layer 0 reads each sample's batch index); plain SGD is fused into its
    // tiles: each entry reads its parameter and writes the updated one (shaders/train_step.wgsl).
    backward += reads(g, l === 0 ? 1 : 0, 2);
    // Delta: an activation read and a store per entry.
    if (d) backward += reads(d, 0, 2);
  }
  return withLossAndUpdate(layout, forward, backward, 0);
}

/**
 * The accesses of a step from its tiles' (forward, backward, of which vec4), plus the loss's
 * (cross-entropy per sample: batch index, label, the outputs read three times, deltas written)
 * and the update's after the backward pass (knobs, metrics and steps; the parameters were
 * updated in the tiles).
 */
function withLossAndUpdate(
  layout: MlpLayout,
  forward: number,
  backward: number,
  vec4: number,
): StepAccesses {
  return stepAccesses(forward, layout.batchSize * (2 + 4 * layout.outputs), backward, vec4);
}

/** A step's accesses by phase, with the update's (knobs, metrics and steps) and the total. */
function stepAccesses(forward: number, loss: number, backward: number, vec4: number): StepAccesses {
  const update = 24;
  return { forward, loss, backward, update, total: forward + loss + backward + update, vec4 };
}

/**
 * The accesses of the fused step, counted from its generated code: the batch indices and the
 * inputs (vec4) once, the output biases; per hidden unit in the forward loop its weight row (vec4),
 * bias and outgoing weights; per sample its label (cross-entropy) or targets (MSE) and the label
 * smoothing knob once; per hidden unit in the backward loop the same loads again and as many
 * stores; the output biases stored. Then the update's accesses after the backward pass.
 */
function fusedStepAccesses(f: FusedShape): StepAccesses {
  const q = f.inputs / 4;
  const unit = q + 1 + f.outputs;
  const forward = f.batch * (1 + q) + f.outputs + f.hidden * unit;
  const loss = f.batch * (f.loss === "mse" ? f.outputs : 1) + 1;
  const backward = 2 * f.hidden * unit + f.outputs;
  return stepAccesses(forward, loss, backward, f.batch * q + 3 * f.hidden * q);
}

/**
 * The accesses of the two-hidden-layer fused step (learners/mlp/mlp_fused2_wgsl.ts), counted from
 * its generated code: each product loop of a chunk of R units loads one vec4 per sample and one per
 * unit per step; the hidden activations are stored to scratch as vec4 rows and read back, their
 * deltas stored and read per chunk (layer 2's summed over the chunks in scratch); every parameter
 * quad is read in the forward pass and again where its gradient is stored. Scalar: batch indices,
 * labels (or targets), b3 and its gradient.
 */
function fused2StepAccesses(f: Fused2Shape): StepAccesses {
  const [B, O, R] = [f.batch, f.outputs, f.chunk];
  const [Q, HQ, KQ] = [f.inputs / 4, f.hidden1 / 4, f.hidden2 / 4];
  const [nH, nK] = [f.hidden1 / R, f.hidden2 / R];
  // Per chunk: R/4 bias quads, the loop, B x R/4 activation stores.
  const layer = (quads: number) => R / 4 + quads * (B + R) + B * R / 4;
  const fwd4 = nH * layer(Q) + nK * layer(HQ) + KQ * (B + O);
  const forward = B + fwd4 + O;
  const loss = B * (f.loss === "mse" ? O : 1) + 1;
  const back3 = KQ * (2 * B + 2 * O + 2);
  // Layer 2 per chunk: its deltas, then per step the inputs, e read and written, R loads and stores.
  const back2 = nK * (B * R / 4 + HQ * (3 * B + 2 * R)) + HQ * (3 * B + 2);
  const back1 = nH * (B * R / 4 + Q * (B + 2 * R));
  const bwd4 = back3 + back2 + back1;
  return stepAccesses(forward, loss, bwd4 + O, fwd4 + bwd4);
}

/**
 * The accesses of the vec4 tiles (learners/mlp/mlp_tiles_vec4_wgsl.ts), counted tile by tile: vec4
 * loads of operands per loop step, vec4 stores of 4 outputs (and parameter reads) per stored
 * group; scalar batch indices, biases and bias gradients.
 */
function vec4StepAccesses(layout: MlpLayout, plan: TilePlan): StepAccesses {
  const B = layout.batchSize;
  let forward = 0;
  let backward = 0;
  let quads = 0;
  // First column of each tile of a product of `rows` rows (tile t: row block t % nr, column
  // block t / nr, as the drivers in learners/mlp/mlp_tiles_wgsl.ts number them).
  const tilesOf = (p: TiledProduct, rows: number) =>
    Array.from({ length: p.tiles }, (_, t) => ({
      c0: Math.floor(t / ceilDiv(rows, p.tile.rows)) * p.tile.cols,
    }));
  for (let l = 0; l < layout.layers; l++) {
    const fin = layout.widths[l]!;
    const fout = layout.widths[l + 1]!;
    const { forward: f, grad: g, delta: d } = layerProducts(layout, plan, l);
    const { rows: R, cols: C } = f.tile;
    for (const t of tilesOf(f, fout)) {
      const v = f.steps * (R + C) + R * Math.min(C / 4, ceilDiv(B - t.c0, 4));
      quads += v;
      forward += v + R + (l === 0 ? C : 0);
    }
    const G = g.tile;
    for (const t of tilesOf(g, fout)) {
      const v = g.steps * (G.rows + G.cols) + 2 * G.rows * Math.min(G.cols / 4, (fin - t.c0) / 4);
      quads += v;
      backward += v + (l === 0 ? 4 * g.steps : 0) + (t.c0 === 0 ? 2 * G.rows : 0);
    }
    if (d) {
      const D = d.tile;
      for (const t of tilesOf(d, fin)) {
        const v = d.steps * (D.rows + D.cols) / 4 +
          2 * D.rows * Math.min(D.cols / 4, (B - t.c0) / 4);
        quads += v;
        backward += v;
      }
    }
  }
  return withLossAndUpdate(layout, forward, backward, quads);
}

/**
 * Twin of probe_storage.wgsl: invocation i reads its k floats reps times into eight sums (read j
 * into sum j % 8) and returns (s0 + s4 + s1 + s5) + (s2 + s6 + s3 + s7) in the kernel's order.
 */
export function probeStorageCpu(
  data: Float32Array,
  n: number,
  k: number,
  reps: number,
): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = new Float32Array(8);
    for (let r = 0; r < reps; r++) {
      for (let j = 0; j < k; j++) s[j % 8] = f(s[j % 8]! + data[i * k + j]!);
    }
    const v = [0, 1, 2, 3].map((q) => f(s[q]! + s[q + 4]!));
    out[i] = f(f(v[0]! + v[1]!) + f(v[2]! + v[3]!));
  }
  return out;
}

/** Twin of probe_fma.wgsl: the sum of the eight vec4 multiply-add chains of invocation i. */
export function probeFmaCpu(n: number, reps: number): Float32Array {
  const out = new Float32Array(n);
  const c = [0.999, 0.998, 0.997, 0.996].map(Math.fround);
  const d = [0.01, 0.02, 0.03, 0.04].map(Math.fround);
  for (let i = 0; i < n; i++) {
    const f = Math.fround((i % 97) * Math.fround(0.001));
    let total = 0;
    for (let ch = 0; ch < 8; ch++) {
      for (let q = 0; q < 4; q++) {
        let a = Math.fround(f + Math.fround(0.1 * ch));
        for (let r = 0; r < reps; r++) a = Math.fround(Math.fround(a * c[q]!) + d[q]!);
        total += a;
      }
    }
    out[i] = total;
  }
  return out;
}

/** Outputs and seconds of one probe dispatch (timed over `runs` submits after a warm-up). */
export interface ProbeRun {
  out: Float32Array;
  seconds: number;
}

/** The element type of probe_storage.wgsl's data and its quad(q) read: scalar or vec4 loads. */
const STORAGE_VIEWS = {
  probe_storage: {
    file: "<generated: f32 view>",
    code: "alias ProbeT = f32;\n" +
      "fn quad(q: u32) -> vec4<f32> { " +
      "return vec4<f32>(data[4u * q], data[4u * q + 1u], data[4u * q + 2u], data[4u * q + 3u]); }\n",
  },
  probe_storage4: {
    file: "<generated: vec4 view>",
    code: "alias ProbeT = vec4<f32>;\nfn quad(q: u32) -> vec4<f32> { return data[q]; }\n",
  },
};

async function runProbe(
  ctx: GpuContext,
  name: "probe_storage" | "probe_storage4" | "probe_fma",
  n: number,
  k: number,
  reps: number,
  data: Float32Array<ArrayBuffer> | undefined,
  runs: number,
): Promise<ProbeRun> {
  const file = name === "probe_fma" ? "probe_fma" : "probe_storage";
  const code = name === "probe_fma" ? probeFmaWgsl : probeStorageWgsl;
  const pipeline = await getPipeline(
    ctx,
    name,
    composeWgsl([
      { file: "shaders/_probe.wgsl", code: probeSharedWgsl },
      ...(name === "probe_fma" ? [] : [STORAGE_VIEWS[name]]),
      { file: `shaders/${file}.wgsl`, code },
    ]),
  );
  const dev = ctx.device;
  const out = createStorageBuffer(ctx, n * 4, `${name}-out`);
  const ub = createParamsBuffer(ctx, 16, `${name}-params`);
  dev.queue.writeBuffer(ub, 0, new Uint32Array([n, k, reps, 0]));
  const buffers: GPUBuffer[] = [];
  if (data) {
    const buf = createStorageBuffer(ctx, data.byteLength, `${name}-data`);
    dev.queue.writeBuffer(buf, 0, data);
    buffers.push(buf);
  }
  buffers.push(out, ub);
  const bg = bindBuffers(ctx, pipeline, buffers, name);
  const submit = () => {
    const enc = dev.createCommandEncoder({ label: name });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(ceilDiv(n, 8));
    pass.end();
    dev.queue.submit([enc.finish()]);
  };
  submit();
  await ctx.sync(name);
  const t0 = performance.now();
  for (let r = 0; r < runs; r++) submit();
  await ctx.sync(name);
  const seconds = (performance.now() - t0) / 1000 / runs;
  const result = await readF32(ctx, out, n);
  for (const b of buffers) b.destroy();
  return { out: result, seconds };
}

/** Largest relative difference between a probe's output and its twin's. */
function maxRelError(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  }
  return e;
}

/**
 * Runs the storage probe on n invocations of k floats (k a multiple of 8), reps passes each, read
 * as f32 or (`vec4`) as vec4<f32>; readsPerSecond counts the accesses (vec4 loads count once).
 */
export async function probeStorage(
  ctx: GpuContext,
  n: number,
  k: number,
  reps: number,
  runs = 3,
  vec4 = false,
): Promise<ProbeRun & { expected: Float32Array; readsPerSecond: number }> {
  if (k % 8 !== 0) throw new RangeError(`probe k must be a multiple of 8: current value is ${k}`);
  const rng = new Rng(11, 0);
  const data = new Float32Array(n * k);
  for (let i = 0; i < data.length; i++) data[i] = rng.range(-1, 1);
  const r = await runProbe(ctx, vec4 ? "probe_storage4" : "probe_storage", n, k, reps, data, runs);
  return {
    ...r,
    expected: probeStorageCpu(data, n, k, reps),
    readsPerSecond: n * (vec4 ? k / 4 : k) * reps / r.seconds,
  };
}

/** Runs the arithmetic probe on n invocations of reps iterations (64 FLOP each). */
export async function probeFma(
  ctx: GpuContext,
  n: number,
  reps: number,
  runs = 3,
): Promise<ProbeRun & { expected: Float32Array; flopsPerSecond: number }> {
  const r = await runProbe(ctx, "probe_fma", n, 0, reps, undefined, runs);
  return { ...r, expected: probeFmaCpu(n, reps), flopsPerSecond: n * reps * 64 / r.seconds };
}

/** The roofline of one workload layout on this adapter. */
export interface Roofline {
  /** Scalar storage accesses per second. */
  readsPerSecond: number;
  /** vec4 storage accesses per second. */
  vec4ReadsPerSecond: number;
  flopsPerSecond: number;
  accesses: StepAccesses;
  flopsPerStep: number;
  /** Model-steps/s if storage accesses were the only cost. */
  storageBound: number;
  /** Model-steps/s if arithmetic were the only cost. */
  computeBound: number;
}

/**
 * Measures both probes (rejecting a probe whose output differs from its twin by more than 1e-3
 * relative) and returns the roofline of `layout`.
 */
export async function measureRoofline(ctx: GpuContext, layout: MlpLayout): Promise<Roofline> {
  const st = await probeStorage(ctx, 1024, 2048, 16);
  const st4 = await probeStorage(ctx, 1024, 2048, 16, 3, true);
  const fm = await probeFma(ctx, 8192, 4096);
  for (const [name, p] of [["storage", st], ["storage vec4", st4], ["fma", fm]] as const) {
    const e = maxRelError(p.out, p.expected);
    if (!(e <= 1e-3)) {
      throw new Error(`roofline ${name} probe differs from its CPU twin (relative error ${e})`);
    }
  }
  const accesses = trainStepAccesses(layout);
  const flopsPerStep = flopsPerModelStep(layout);
  return {
    readsPerSecond: st.readsPerSecond,
    vec4ReadsPerSecond: st4.readsPerSecond,
    flopsPerSecond: fm.flopsPerSecond,
    accesses,
    flopsPerStep,
    storageBound: 1 /
      ((accesses.total - accesses.vec4) / st.readsPerSecond + accesses.vec4 / st4.readsPerSecond),
    computeBound: fm.flopsPerSecond / flopsPerStep,
  };
}
