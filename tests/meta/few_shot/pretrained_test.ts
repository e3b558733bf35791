/** The pretrained baseline of Chen et al. 2019: the classifier on meta-train classes and the new head. */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import type { ImageDataset } from "../../../learners/data/image_dataset.ts";
import { forwardCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { oneEpisode } from "./_one_episode.ts";
import {
  headCurves,
  pretrainBody,
  type PretrainedBody,
} from "../../../meta/few_shot/pretrained.ts";

/** Gaussian blobs: class c centred at 3 * e_(c mod inputs) (negated for c >= inputs). */
function blobs(classes: number, perClass: number, inputs: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const x = new Float32Array(classes * perClass * inputs);
  const y = new Float32Array(classes * perClass);
  for (let i = 0; i < classes * perClass; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < inputs; j++) x[i * inputs + j] = 0.3 * rng.normal();
    x[i * inputs + (c % inputs)]! += c < inputs ? 3 : -3;
  }
  const classNames = Array.from({ length: classes }, (_, c) => `c${c}`);
  const count = classes * perClass;
  return { count, inputs, targetWidth: 1, classes, x, y, height: 1, width: inputs, classNames };
}

Deno.test("pretrainBody learns the meta-train classes it is given (relabelled 0..C-1)", async () => {
  const d = blobs(6, 40, 4, 1);
  const classes = Uint32Array.from([1, 3, 4, 5]);
  const body = await pretrainBody(new CpuBackend(), { data: d, classes, name: "blobs" }, {
    hidden: [16],
    steps: 300,
    lr: 0.01,
    seed: 3,
  });
  assert.equal(body.classes, 4);
  assert.equal(body.features, 16);
  const rows = Array.from({ length: d.count }, (_, i) => i).filter((i) =>
    classes.includes(d.y[i]!)
  );
  const acts = forwardCpu(body.layout, body.params, 0, d, rows);
  const L = body.layout;
  let correct = 0;
  rows.forEach((r, i) => {
    const logits = Array.from(
      acts.subarray(i * L.actWidth + L.actOffset[1]!, i * L.actWidth + L.actWidth),
    );
    if (logits.indexOf(Math.max(...logits)) === classes.indexOf(d.y[r]!)) correct++;
  });
  assert.ok(correct / rows.length > 0.95, `train accuracy ${correct / rows.length}`);
});

Deno.test("headCurves trains a zero head to separate the support classes of each episode", () => {
  // A body whose features are relu(x) (identity weights, zero biases), inputs 2, features 2.
  const layout = mlpLayout({ size: 1, widths: [2, 2, 3], batchSize: 4 });
  const params = new Float32Array(layout.stride);
  params[layout.weightOffset[0]!] = 1;
  params[layout.weightOffset[0]! + 3] = 1;
  const body: PretrainedBody = { layout, params, features: 2, classes: 3 };
  const x = [2, 0, 0, 2, 1.5, 0.2, 0.1, 1.8, 2.2, 0.1, 0.3, 2.5];
  const b = oneEpisode(x, [0, 1, 0, 1, 0, 1], 2);
  const [slow, fast] = headCurves(body, b, [0], { lrs: [0, 1], steps: 5 });
  assert.equal(slow!.accuracy[5]![0], 0.5); // lr 0: the zero head predicts class 0 everywhere
  assert.equal(fast!.accuracy[0]![0], 0.5);
  assert.equal(fast!.accuracy[5]![0], 1);
  assert.ok(fast!.loss[5]![0]! < fast!.loss[1]![0]!);
  assert.equal(fast!.supportAccuracy[0], 1);
});
