/**
 * `evaluateCpu`, the twin of shaders/evaluate.wgsl (learners/mlp/evaluate.ts): loss and accuracy of
 * every model on its evaluation samples. Its forward pass is the fast one of the train step's twin
 * (_batch_grad_fast.ts `fastForward`, on the WebAssembly kernels where they run) over all of a
 * model's samples at once, which gives the readable `forwardCpu`'s numbers; the readable pass runs
 * where the fast one may not (rows wider than the input layer, inputs or layer outputs that are
 * not all finite). Until 2026-12-04 every evaluation ran the readable pass, at about 0.3 G
 * multiply-adds per second on the glyphs' network.
 * @module
 */
import type { MlpLayout } from "./mlp_layout.ts";
import type { MlpData, MlpState } from "./mlp_state.ts";
import { forwardCpu, labelOf, sampleLoss } from "./mlp_cpu.ts";
import { allFinite, f64Row, type FastScratch, gatherInputs, threadScratch } from "./_mlp_fast.ts";
import { fastForward } from "./_batch_grad_fast.ts";

/** Result of an evaluation: mean loss and accuracy per model, and optionally the raw outputs. */
export interface EvalResult {
  /** (P) mean loss over the model's eval samples. */
  loss: Float32Array;
  /** (P) fraction of samples whose argmax output equals the label (0 for mse). */
  accuracy: Float32Array;
  /** (P, count, outputs) last-layer outputs, when requested. */
  outputs?: Float32Array;
}

/**
 * Eval twin: model p is evaluated on samples evalIdx[p*count .. (p+1)*count). Accuracy uses the
 * first maximal output as the prediction. The outputs come from `outputRows`: the fast forward
 * pass, or the readable `forwardCpu` where that must run (the same numbers either way).
 */
export function evaluateCpu(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  evalIdx: Uint32Array,
  count: number,
  withOutputs = false,
): EvalResult {
  const { size, outputs } = layout;
  const ws = threadScratch("evaluate");
  const loss = new Float32Array(size);
  const accuracy = new Float32Array(size);
  const out = withOutputs ? new Float32Array(size * count * outputs) : undefined;
  const o = new Float64Array(outputs);
  for (let p = 0; p < size; p++) {
    const idx = evalIdx.subarray(p * count, (p + 1) * count);
    const r = outputRows(layout, s, { data, p, idx }, ws);
    let lossSum = 0;
    let correct = 0;
    for (let e = 0; e < count; e++) {
      const row = e * r.stride + r.offset;
      let best = 0;
      for (let j = 0; j < outputs; j++) {
        o[j] = r.a[row + j]!;
        if (out) out[(p * count + e) * outputs + j] = o[j]!;
        if (o[j]! > o[best]!) best = j;
      }
      const n = idx[e]!;
      const label = layout.loss === "cross_entropy"
        ? labelOf(s, p, data.y[n * data.targetWidth]!, outputs)
        : 0;
      lossSum += sampleLoss(layout, o, label, data.y, n * data.targetWidth, null, 1);
      if (layout.loss === "cross_entropy" && best === label) correct++;
    }
    loss[p] = lossSum / count;
    accuracy[p] = correct / count;
  }
  return out ? { loss, accuracy, outputs: out } : { loss, accuracy };
}

/**
 * Model p's last-layer outputs on the samples idx: output j of sample e at a[e stride + offset + j],
 * from the fast forward pass, or from the readable twin where that must run (see the module doc).
 */
function outputRows(
  layout: MlpLayout,
  s: MlpState,
  m: { data: MlpData; p: number; idx: Uint32Array },
  ws: FastScratch,
): { a: Float64Array; stride: number; offset: number } {
  const { data, p, idx } = m;
  if (data.inputs === layout.widths[0]) {
    const th = f64Row(ws, "th", s.params, p * layout.stride, layout.paramCount);
    const x = gatherInputs(ws, data, idx);
    const acts = allFinite(x, 0, idx.length * data.inputs)
      ? fastForward(layout, th, x, ws, idx.length)
      : null;
    if (acts) return { a: acts[layout.layers - 1]!, stride: layout.outputs, offset: 0 };
  }
  const a = forwardCpu(layout, s.params, p, data, idx);
  return { a, stride: layout.actWidth, offset: layout.actOffset[layout.layers - 1]! };
}
