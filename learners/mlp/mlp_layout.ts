/**
 * Population specification and the parameter layout shared by every kernel and its CPU twin.
 *
 * Model p owns `params[p*stride .. p*stride + paramCount)`. Layer l (in = widths[l],
 * out = widths[l+1]) stores its weights row-major `[out][in]` at `weightOffset[l]`, then its bias
 * `[out]` at `biasOffset[l]`. `stride` is paramCount rounded up to a multiple of 4 (padding is 0).
 * @module
 */

/** Hidden-layer nonlinearity. */
export type Activation = "relu" | "tanh";
/** Loss head: softmax cross-entropy on class labels, or mean squared error on targets. */
export type LossKind = "cross_entropy" | "mse";
/** Weight initialization: He (std sqrt(2/in)) or Xavier (std sqrt(2/(in+out))); biases are 0. */
export type InitKind = "he" | "xavier";

/** What changes buffer sizes and pipelines: the shape of a population. */
export interface PopulationSpec {
  /** Number of models P, >= 1. */
  size: number;
  /** Layer widths [inputs, 1 to 3 hidden, outputs], each in [1, 256]. */
  widths: number[];
  /** Hidden nonlinearity (default relu). */
  activation?: Activation;
  /** Loss head (default cross_entropy). */
  loss?: LossKind;
  /** Minibatch size per model-step, in [1, 1024] (default 32). */
  batchSize?: number;
  /** Weight init (default he for relu, xavier for tanh). */
  init?: InitKind;
}

/** A validated spec with every default filled, plus the derived layout. */
export interface MlpLayout {
  /** Number of models P. */
  size: number;
  /** Layer widths [inputs, hidden..., outputs]. */
  widths: number[];
  /** Hidden nonlinearity. */
  activation: Activation;
  /** Loss head. */
  loss: LossKind;
  /** Minibatch size per model-step. */
  batchSize: number;
  /** Weight initialization. */
  init: InitKind;
  /** Number of layers L (= widths.length - 1), in [2, 4]. */
  layers: number;
  /** Start of each layer's weights within a model. */
  weightOffset: number[];
  /** Start of each layer's bias within a model. */
  biasOffset: number[];
  /** Parameters per model. */
  paramCount: number;
  /** Distance between models in the params buffer (paramCount rounded up to 4). */
  stride: number;
  /** Start of layer l's outputs within one sample's activation row. */
  actOffset: number[];
  /** Sum of the widths of all layer outputs (hidden and output): one activation row. */
  actWidth: number;
  /** Inputs per sample (widths[0]). */
  inputs: number;
  /** Outputs per sample (last width). */
  outputs: number;
}

/** Largest width of any layer. */
export const MAX_WIDTH = 256;
/** Largest minibatch per model. */
export const MAX_BATCH = 1024;

function checkInt(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(
      `Cannot create population as ${name} must be an integer: current value is ${String(v)}`,
    );
  }
  if (v < lo || v > hi) {
    throw new RangeError(
      `Cannot create population as ${name} must be in [${lo}, ${hi}]: current value is ${v}`,
    );
  }
  return v;
}

/** Validates a spec and derives the layout; throws TypeError/RangeError naming the field. */
export function mlpLayout(spec: PopulationSpec): MlpLayout {
  const size = checkInt("size", spec.size, 1, 1 << 22);
  if (!Array.isArray(spec.widths)) {
    throw new TypeError(
      `Cannot create population as widths must be an array: current value is ${
        String(spec.widths)
      }`,
    );
  }
  if (spec.widths.length < 3 || spec.widths.length > 5) {
    throw new RangeError(
      `Cannot create population as widths must have 3 to 5 entries (1 to 3 hidden layers): current value is [${spec.widths}]`,
    );
  }
  const widths = spec.widths.map((w, i) => checkInt(`widths[${i}]`, w, 1, MAX_WIDTH));
  const activation = spec.activation ?? "relu";
  if (activation !== "relu" && activation !== "tanh") {
    throw new RangeError(
      `Cannot create population as activation must be "relu" or "tanh": current value is ${activation}`,
    );
  }
  const loss = spec.loss ?? "cross_entropy";
  if (loss !== "cross_entropy" && loss !== "mse") {
    throw new RangeError(
      `Cannot create population as loss must be "cross_entropy" or "mse": current value is ${loss}`,
    );
  }
  if (loss === "cross_entropy" && widths[widths.length - 1]! < 2) {
    throw new RangeError(
      `Cannot create population as the output width must be >= 2 for cross_entropy: current value is ${
        widths.at(-1)
      }`,
    );
  }
  const batchSize = checkInt("batchSize", spec.batchSize ?? 32, 1, MAX_BATCH);
  const init = spec.init ?? (activation === "relu" ? "he" : "xavier");
  if (init !== "he" && init !== "xavier") {
    throw new RangeError(
      `Cannot create population as init must be "he" or "xavier": current value is ${init}`,
    );
  }
  const layers = widths.length - 1;
  const weightOffset: number[] = [];
  const biasOffset: number[] = [];
  const actOffset: number[] = [];
  let off = 0;
  let act = 0;
  for (let l = 0; l < layers; l++) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    weightOffset.push(off);
    off += fin * fout;
    biasOffset.push(off);
    off += fout;
    actOffset.push(act);
    act += fout;
  }
  return {
    size,
    widths,
    activation,
    loss,
    batchSize,
    init,
    layers,
    weightOffset,
    biasOffset,
    paramCount: off,
    stride: Math.ceil(off / 4) * 4,
    actOffset,
    actWidth: act,
    inputs: widths[0]!,
    outputs: widths[layers]!,
  };
}

/** FLOPs of one model-step (forward + backward): 6 * batch * sum over layers of in*out. */
export function flopsPerModelStep(layout: MlpLayout): number {
  let macs = 0;
  for (let l = 0; l < layout.layers; l++) macs += layout.widths[l]! * layout.widths[l + 1]!;
  return 6 * layout.batchSize * macs;
}
