/** Shared validation of the two population implementations (internal). */
import {
  type BackendDataset,
  MAX_LAST_SLOT,
  type PopulationState,
  type SampleBatchesOptions,
} from "./backend.ts";
import { KNOB, KNOB_STRIDE, type Knobs, packKnobsTable } from "./optimizers/knobs.ts";
import { type MlpLayout, mlpLayout, type PopulationSpec } from "./mlp/mlp_layout.ts";
import { METRIC_STRIDE } from "./metrics_row.ts";

/** Checks done identically by the CPU and GPU populations. */
export class PopulationChecks {
  /** The validated layout. */
  readonly layout: MlpLayout;
  /** Largest row index any batch can read. */
  maxBatchRow = 0;
  /** Width of the label map (0 = identity). */
  labelMapWidth = 0;

  /** Validates the spec. */
  constructor(spec: PopulationSpec) {
    this.layout = mlpLayout(spec);
  }

  /** Packs and validates knobs into a (P, KNOB_STRIDE) table. */
  knobTable(knobs: Knobs | Knobs[] | Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
    const P = this.layout.size;
    if (knobs instanceof Float32Array) {
      if (knobs.length !== P * KNOB_STRIDE) {
        throw new RangeError(
          `Invalid knobs: packed table must have P*${KNOB_STRIDE} = ${
            P * KNOB_STRIDE
          } entries: current length is ${knobs.length}`,
        );
      }
      for (let p = 0; p < P; p++) {
        const lr = knobs[p * KNOB_STRIDE + KNOB.lr]!;
        if (!(lr >= 0 && lr <= 100)) {
          throw new RangeError(
            `Invalid knob knobs[${p}].lr: must be in [0, 100]: current value is ${lr}`,
          );
        }
        const hold = knobs[p * KNOB_STRIDE + KNOB.hold]!;
        if (hold !== 0 && hold !== 1) {
          throw new RangeError(
            `Invalid knob knobs[${p}].hold: must be 0 or 1: current value is ${hold}`,
          );
        }
      }
      return knobs;
    }
    return packKnobsTable(knobs, P);
  }

  /** Validates a batch index table; records its largest row. */
  checkBatches(indices: Uint32Array, numBatches: number): void {
    const { size, batchSize } = this.layout;
    if (!Number.isInteger(numBatches) || numBatches < 1) {
      throw new RangeError(
        `Invalid numBatches: must be an integer >= 1: current value is ${numBatches}`,
      );
    }
    if (indices.length !== size * numBatches * batchSize) {
      throw new RangeError(
        `Invalid batch indices: length must be P*numBatches*batchSize = ${
          size * numBatches * batchSize
        }: current length is ${indices.length}`,
      );
    }
    let m = 0;
    for (let i = 0; i < indices.length; i++) m = Math.max(m, indices[i]!);
    this.maxBatchRow = m;
  }

  /** Validates sampling ranges; records the largest row they can draw. */
  checkSampleOptions(o: SampleBatchesOptions): void {
    const P = this.layout.size;
    if (!Number.isInteger(o.numBatches) || o.numBatches < 1) {
      throw new RangeError(
        `Invalid numBatches: must be an integer >= 1: current value is ${o.numBatches}`,
      );
    }
    const last = o.lastSlot ?? o.numBatches - 1;
    if (!Number.isInteger(last) || last < o.numBatches - 1 || last > MAX_LAST_SLOT) {
      throw new RangeError(
        `Invalid lastSlot: must be an integer in [numBatches - 1 = ${
          o.numBatches - 1
        }, ${MAX_LAST_SLOT}]: current value is ${o.lastSlot}`,
      );
    }
    if (o.keys && o.keys.length !== P) {
      throw new RangeError(
        `Invalid keys: length must be P = ${P}: current length is ${o.keys.length}`,
      );
    }
    if (o.ranges.length !== 2 * P) {
      throw new RangeError(
        `Invalid ranges: length must be 2*P = ${2 * P}: current length is ${o.ranges.length}`,
      );
    }
    let m = 0;
    for (let p = 0; p < P; p++) {
      const count = o.ranges[2 * p + 1]!;
      if (count < 1) {
        throw new RangeError(`Invalid ranges[${p}].count: must be >= 1: current value is ${count}`);
      }
      m = Math.max(m, o.ranges[2 * p]! + count - 1);
    }
    this.maxBatchRow = m;
  }

  /** Validates a label map. */
  checkLabelMap(map: Uint32Array | null, width: number): void {
    if (map === null) {
      this.labelMapWidth = 0;
      return;
    }
    const P = this.layout.size;
    if (!Number.isInteger(width) || width < 1 || map.length !== P * width) {
      throw new RangeError(
        `Invalid label map: width must be >= 1 and length P*width = ${
          P * width
        }: current length is ${map.length}`,
      );
    }
    for (let i = 0; i < map.length; i++) {
      // 0xffffffff marks a class the model never sees (LABEL_UNUSED of the task families).
      if (map[i]! >= this.layout.outputs && map[i] !== 0xffffffff) {
        throw new RangeError(
          `Invalid label map[${i}]: must be in [0, ${
            this.layout.outputs - 1
          }] or 0xffffffff (unused): current value is ${map[i]}`,
        );
      }
    }
    this.labelMapWidth = width;
  }

  /** Checks that a data set fits the layout (inputs, targets, classes). */
  checkData(d: BackendDataset, rows?: number): void {
    const L = this.layout;
    if (d.inputs !== L.inputs) {
      throw new RangeError(
        `Cannot use data set as its input width must equal widths[0] = ${L.inputs}: current value is ${d.inputs}`,
      );
    }
    if (L.loss === "mse" && d.targetWidth !== L.outputs) {
      throw new RangeError(
        `Cannot use data set as its target width must equal the output width ${L.outputs} for mse: current value is ${d.targetWidth}`,
      );
    }
    if (L.loss === "cross_entropy") {
      if (d.classes < 1 || d.targetWidth !== 1) {
        throw new RangeError(
          `Cannot use data set for cross_entropy as it has no class labels: classes is ${d.classes}`,
        );
      }
      const limit = this.labelMapWidth > 0 ? this.labelMapWidth : L.outputs;
      if (d.classes > limit) {
        throw new RangeError(
          `Cannot use data set as its classes must be <= ${limit} (${
            this.labelMapWidth > 0 ? "label map width" : "output width"
          }): current value is ${d.classes}`,
        );
      }
    }
    const maxRow = rows ?? this.maxBatchRow;
    if (maxRow >= d.count) {
      throw new RangeError(
        `Cannot use data set as sample rows must be < count ${d.count}: largest row is ${maxRow}`,
      );
    }
  }

  /** Validates a step count. */
  checkSteps(steps: number): void {
    if (!Number.isInteger(steps) || steps < 0) {
      throw new RangeError(`Invalid steps: must be an integer >= 0: current value is ${steps}`);
    }
  }

  /** Validates eval indices and the data set they index; returns the per-model count. */
  checkEval(d: BackendDataset, indices: Uint32Array): number {
    const P = this.layout.size;
    if (indices.length === 0 || indices.length % P !== 0) {
      throw new RangeError(
        `Invalid eval indices: length must be a positive multiple of P = ${P}: current length is ${indices.length}`,
      );
    }
    let m = 0;
    for (let i = 0; i < indices.length; i++) m = Math.max(m, indices[i]!);
    this.checkData(d, m);
    return indices.length / P;
  }

  /** Validates copyModels arguments: equal lengths, model numbers in range, distinct targets. */
  checkCopy(from: ArrayLike<number>, to: ArrayLike<number>): void {
    const P = this.layout.size;
    if (from.length !== to.length) {
      throw new RangeError(
        `Invalid copyModels: from and to must have the same length: current lengths are ${from.length} and ${to.length}`,
      );
    }
    const seen = new Set<number>();
    for (let i = 0; i < from.length; i++) {
      for (const [name, v] of [["from", from[i]!], ["to", to[i]!]] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= P) {
          throw new RangeError(
            `Invalid copyModels ${name}[${i}]: must be an integer in [0, ${
              P - 1
            }]: current value is ${v}`,
          );
        }
      }
      if (seen.has(to[i]!)) {
        throw new RangeError(
          `Invalid copyModels to[${i}]: each target may appear once: current value is ${to[i]}`,
        );
      }
      seen.add(to[i]!);
    }
  }

  /** Validates a population state's array lengths. */
  checkState(s: PopulationState): void {
    const { size: P, stride } = this.layout;
    const want: [string, number, number][] = [
      ["params", s.params.length, P * stride],
      ["opt", s.opt.length, P * 2 * stride],
      ["steps", s.steps.length, P],
      ["metrics", s.metrics.length, P * METRIC_STRIDE],
      ["knobs", s.knobs.length, P * KNOB_STRIDE],
    ];
    for (const [name, have, need] of want) {
      if (have !== need) {
        throw new RangeError(
          `Invalid state.${name}: length must be ${need}: current length is ${have}`,
        );
      }
    }
  }

  /** Validates a full parameter table. */
  checkParams(params: Float32Array): void {
    const n = this.layout.size * this.layout.stride;
    if (params.length !== n) {
      throw new RangeError(
        `Invalid params: length must be P*stride = ${n}: current length is ${params.length}`,
      );
    }
  }
}
