/**
 * The factored meta loop's kernels against their CPU twins (learners/meta_train/lowrank_cpu.ts):
 * lowrank_project, lowrank_inner and lowrank_outer on seeded random inputs, with inputs, output
 * widths and row counts that are not multiples of 4 or 8 (hidden widths are multiples of 4),
 * vec4 first-layer products (inputs 20, 8, 16) and scalar ones (13), one to three hidden
 * layers, relu/cross-entropy with label maps and tanh/MSE, FOMAML and Reptile.
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import { Rng } from "../../../core/rng.ts";
import { dispatchMetaKernel } from "../../../learners/meta_train/meta_kernel.ts";
import {
  LOWRANK_INNER,
  LOWRANK_OUTER,
  LOWRANK_PROJECT,
  lowrankRuns,
  scratchFloats,
} from "../../../learners/meta_train/lowrank_kernels.ts";
import {
  lowrankInnerCpu,
  lowrankOuterCpu,
  lowrankProjectCpu,
} from "../../../learners/meta_train/lowrank_cpu.ts";
import {
  type LowrankShape,
  queryRows,
  tailStride,
} from "../../../learners/meta_train/lowrank_shape.ts";
import { type Activation, type LossKind, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { METRIC, METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { episodeClasses } from "../../../learners/tasks/episode_classes.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { randomLabelMaps } from "./_label_maps.ts";
import { assertClose, gpuTest } from "../../helpers.ts";

interface Case {
  widths: number[];
  activation: Activation;
  loss: LossKind;
  query: boolean;
  S: number;
  batch: number;
}

const CASES: Case[] = [
  {
    widths: [20, 68, 12, 4],
    activation: "relu",
    loss: "cross_entropy",
    query: true,
    S: 3,
    batch: 7,
  },
  {
    widths: [13, 68, 12, 4],
    activation: "relu",
    loss: "cross_entropy",
    query: false,
    S: 5,
    batch: 5,
  },
  { widths: [8, 12, 3], activation: "tanh", loss: "mse", query: true, S: 4, batch: 10 },
  { widths: [16, 8, 20, 8, 2], activation: "tanh", loss: "mse", query: false, S: 2, batch: 3 },
  // More than 8 support rows: two row chunks and the Gram norm of every layer.
  {
    widths: [12, 8, 12, 5],
    activation: "relu",
    loss: "cross_entropy",
    query: true,
    S: 11,
    batch: 13,
  },
  // Four row chunks (25 support rows), Reptile, 47,974 loop iterations per task: within the
  // software adapter's budget (learners/meta_train/lowrank_budget.ts).
  {
    widths: [20, 8, 8, 5],
    activation: "relu",
    loss: "cross_entropy",
    query: false,
    S: 25,
    batch: 25,
  },
];

/** A random pool: 40 samples (inputs standard normal, labels 0..7 or targets), 9 episodes. */
function pool(rng: Rng, c: Case, outputs: number): EpisodeBatch {
  const count = 40;
  const D = c.widths[0]!;
  const mse = c.loss === "mse";
  const tw = mse ? outputs : 1;
  const ints = (n: number, max: number) => Uint32Array.from({ length: n }, () => rng.int(max));
  return {
    dataset: {
      count,
      inputs: D,
      targetWidth: tw,
      classes: mse ? 0 : 8,
      x: Float32Array.from({ length: count * D }, () => rng.normal()),
      y: Float32Array.from({ length: count * tw }, () => mse ? rng.normal() : rng.int(8)),
    },
    episodes: 9,
    supportSize: c.S,
    querySize: 6,
    support: ints(9 * c.S, count),
    query: ints(9 * 6, count),
    labelMap: mse ? undefined : randomLabelMaps(rng, 9, 8, { ways: outputs, holes: true }),
    labelMapWidth: mse ? 0 : 8,
    ways: outputs,
  };
}

type Arrays = Record<string, Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>;

function buffers<K extends string>(
  ctx: GpuContext,
  arrays: Arrays & Record<K, unknown>,
): Record<K, GPUBuffer> {
  return Object.fromEntries(
    Object.entries(arrays).map((
      [k, v],
    ) => [k, createStorageBufferFrom(ctx, v.length ? v : new Float32Array(1), k)]),
  ) as Record<K, GPUBuffer>;
}

for (const [ci, c] of CASES.entries()) {
  const what = `${c.widths.join("-")} ${c.activation} ${c.loss} ${c.query ? "fomaml" : "reptile"}`;
  gpuTest(
    `lowrank kernels match their CPU twins, ${what}, S=${c.S}, batch=${c.batch}`,
    async (ctx) => {
      const rng = new Rng(11 + ci);
      const L = mlpLayout({
        size: 1,
        widths: c.widths,
        activation: c.activation,
        loss: c.loss,
        batchSize: c.batch,
      });
      const batch = pool(rng, c, L.outputs);
      const tasks = 5;
      const s: LowrankShape = {
        tasks,
        support: c.S,
        batch: c.batch,
        query: c.query,
        steps: 3,
        lr: 0.3,
      };
      const theta = Float32Array.from(
        { length: L.stride },
        (_, i) => i < L.paramCount ? 0.5 * rng.normal() : 0,
      );
      const idsAll = Uint32Array.from({ length: 2 + tasks }, () => rng.int(9));
      const rows = { episodes: batch, ids: idsAll, idsOffset: 2 };
      const d = batch.dataset;
      const H = L.widths[1]!;
      const B = queryRows(s);
      // Twins.
      const proj = lowrankProjectCpu(L, { theta, x: d.x }, rows, s);
      const out = {
        A: new Float32Array(tasks * H * c.S),
        tails: new Float32Array(tasks * tailStride(L)),
        d1q: new Float32Array(tasks * B * H),
        metrics: new Float32Array(tasks * METRIC_STRIDE),
      };
      lowrankInnerCpu(L, { theta, proj, data: d, rows }, s, out);
      // Quarantine one task for the outer kernel's mean (its rows must be left out).
      const metrics = out.metrics.slice();
      metrics[1 * METRIC_STRIDE + METRIC.quarantined] = 1;
      const mean = lowrankOuterCpu(
        L,
        { theta, ...out },
        { d1q: out.d1q, metrics, x: d.x },
        rows,
        s,
      );
      // Kernels.
      const g = buffers(ctx, {
        theta,
        x: d.x,
        y: d.y,
        ids: idsAll,
        support: batch.support,
        query: batch.query,
        classes: episodeClasses(batch) ?? new Uint32Array(1),
      });
      const z = (n: number, k: string) => createStorageBuffer(ctx, Math.max(n, 1) * 4, k);
      const b = {
        ...g,
        proj: z(proj.length, "proj"),
        A: z(out.A.length, "A"),
        tails: z(out.tails.length, "tails"),
        d1q: z(out.d1q.length, "d1q"),
        metrics: z(metrics.length, "metrics"),
        scratch: z(scratchFloats(L, s), "scratch"),
        samples: z(tasks * (c.S + B), "samples"),
        out: z(L.stride, "out"),
      };
      const r = {
        idsOffset: 2,
        querySize: 6,
        classWidth: batch.labelMap ? batch.ways : 0,
        targetWidth: d.targetWidth,
      };
      const [project, inner, outer] = lowrankRuns(L, b, s, r);
      const tol = { atol: 1e-5, rtol: 1e-4 };
      await dispatchMetaKernel(ctx, LOWRANK_PROJECT, project);
      assertClose(await readF32(ctx, b.proj), proj, { ...tol, what: "proj" });
      await dispatchMetaKernel(ctx, LOWRANK_INNER, inner);
      assertClose(await readF32(ctx, b.A), out.A, { ...tol, what: "A" });
      assertClose(await readF32(ctx, b.tails), out.tails, { ...tol, what: "tails" });
      if (c.query) assertClose(await readF32(ctx, b.d1q), out.d1q, { ...tol, what: "d1q" });
      assertClose(await readF32(ctx, b.metrics), out.metrics, { ...tol, what: "metrics" });
      // The outer kernel on the twins' outputs, with task 1 quarantined.
      for (
        const [k, v] of [["A", out.A], ["tails", out.tails], ["d1q", out.d1q], [
          "metrics",
          metrics,
        ]] as const
      ) {
        if (v.length) ctx.device.queue.writeBuffer(b[k], 0, v);
      }
      await dispatchMetaKernel(ctx, LOWRANK_OUTER, outer);
      assertClose(
        (await readF32(ctx, b.out)).subarray(0, L.paramCount),
        mean.subarray(0, L.paramCount),
        { ...tol, what: "mean row" },
      );
      for (const v of Object.values(b)) v.destroy();
    },
  );
}
