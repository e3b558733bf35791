/**
 * The MLP layout as kernel parameters, for the meta kernels that run a network's layers
 * themselves (meta_hvp, protonet_grad): the Params fields and their values.
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";

/** The Params fields of an MLP layout (`mlpLayoutParams`), for the kernels that run its layers. */
export const MLP_LAYOUT_PARAMS: string =
  "stride, layers, actWidth, activation, widths: array<u32, 5>, weightOffset: array<u32, 4>" +
  ", biasOffset: array<u32, 4>, actOffset: array<u32, 4>";

/** The values of MLP_LAYOUT_PARAMS for layout `L` (activation: 0 relu, 1 tanh). */
export function mlpLayoutParams(L: MlpLayout): Record<string, number | readonly number[]> {
  const { stride, layers, actWidth, widths, weightOffset, biasOffset, actOffset } = L;
  const activation = L.activation === "relu" ? 0 : 1;
  return { stride, layers, actWidth, activation, widths, weightOffset, biasOffset, actOffset };
}
