/**
 * The MLP passes of the fast ProtoNet twin (protonet_cpu.ts `protonetGradCpu`), layer-major over
 * all samples of an episode with the dense passes of ../mlp/_mlp_fast.ts and _batch_grad_fast.ts:
 * activations as contiguous (n, width) rows per layer, the forward pass only up to the embedding
 * layer (the output layer is unused), and the backward pass as dW += delta^T A, dA = delta W over
 * the nonzero entries of delta only (ReLU zeroes about half). Every sum adds its terms in the order
 * of the readable twin (`forwardCpu` and `backprop` in protonet_cpu.ts), one at a time, so the
 * results are the same numbers. The bias sums add the zero deltas the twin skips: they start at +0
 * (the gradient is zeroed per episode), so they are never -0 and an added +-0 leaves them as they
 * are.
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import {
  activateRows,
  coefFor,
  denseForward,
  type FastScratch,
  scratch,
} from "../mlp/_mlp_fast.ts";
import { inputSums, weightGrads } from "../mlp/_batch_grad_fast.ts";

/**
 * Whether layer l's output goes through the nonlinearity in the embedding network: hidden layers
 * below the embedding layer E always, E itself unless the embedding is `linear` or E is the output
 * layer (no hidden layer).
 */
function activated(layout: MlpLayout, l: number, E: number, linear: boolean): boolean {
  return l < layout.layers - 1 && !(linear && l === E);
}

/**
 * The forward pass of the n samples in scratch `x` of `ws` (`gatherInputs`) through layers 0..E of
 * `th` (f64 copy of one parameter row), layer l's outputs in scratch `a<l>`; returns the
 * embeddings (n, widths[E+1]), `a<E>`.
 */
export function forwardToEmbedding(
  layout: MlpLayout,
  th: Float64Array,
  ws: FastScratch,
  o: { n: number; E: number; linear: boolean },
): Float64Array {
  const { n, E, linear } = o;
  let inp = scratch(ws, "x", n * layout.widths[0]!);
  for (let l = 0; l <= E; l++) {
    const fin = layout.widths[l]!;
    const fout = layout.widths[l + 1]!;
    const out = scratch(ws, `a${l}`, n * fout);
    const off = { w: layout.weightOffset[l]!, b: layout.biasOffset[l]! };
    denseForward(th, off, inp, { n, fin, fout }, out);
    if (activated(layout, l, E, linear)) activateRows(layout.activation, out, n * fout);
    inp = out;
  }
  return inp;
}

/**
 * Adds to `grad` the parameter gradient of d(loss)/d(embedding) `dz` (n, widths[E+1]) through
 * layers E..0, after `forwardToEmbedding` filled `ws` (the twin's `backprop`, same sums).
 */
export function backpropFromEmbedding(
  layout: MlpLayout,
  th: Float64Array,
  ws: FastScratch,
  o: { n: number; E: number; linear: boolean; dz: Float64Array },
  grad: Float64Array,
): void {
  const { n, E, linear } = o;
  const relu = layout.activation === "relu";
  let dA = o.dz;
  for (let l = E; l >= 0; l--) {
    const fin = layout.widths[l]!;
    const fout = layout.widths[l + 1]!;
    const shape = { n, fin, fout };
    const acts = scratch(ws, `a${l}`, n * fout);
    const inp = scratch(ws, l === 0 ? "x" : `a${l - 1}`, n * fin);
    const len = n * fout;
    const delta = scratch(ws, "delta", len);
    if (!activated(layout, l, E, linear)) {
      for (let k = 0; k < len; k++) delta[k] = dA[k]!;
    } else if (relu) {
      for (let k = 0; k < len; k++) delta[k] = dA[k]! * (acts[k]! > 0 ? 1 : 0);
    } else {
      for (let k = 0; k < len; k++) {
        const a = acts[k]!;
        delta[k] = dA[k]! * (1 - a * a);
      }
    }
    coefFor(ws, Math.max(n, fout));
    const off = { w: layout.weightOffset[l]!, b: layout.biasOffset[l]! };
    weightGrads(grad, off, { a: inp, delta }, shape, ws);
    if (l === 0) break;
    // dA (the previous dIn) is spent: delta holds all this layer needs from it.
    const dIn = scratch(ws, "dIn", n * fin);
    inputSums({ th, wOff: off.w, delta }, shape, dIn, ws);
    dA = dIn;
  }
}
