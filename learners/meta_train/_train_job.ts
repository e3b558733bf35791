/**
 * The messages of the train-step helper threads (train_threads.ts posts them, _train_worker.ts runs
 * them): the state fields shared, the buffers a job may carry, the job itself.
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { HvpTables } from "./maml_cpu.ts";

/** The array fields of MlpState that a helper reads or writes. */
export const SHARED_FIELDS = [
  "params",
  "opt",
  "steps",
  "metrics",
  "knobs",
  "batchIdx",
  "labelMap",
  "learned",
] as const;

/** The buffers a job may carry, by name: the state's fields, the data set's, the twins' own. */
export type BufferName =
  | (typeof SHARED_FIELDS)[number]
  | "x"
  | "y"
  | "grads"
  | "next"
  | "theta"
  | "v"
  | "batches"
  | "hvpLabelMap";

/**
 * A job: which twin runs (`trainStepCpu`, or `hvpStepCpu` with its `tables`), the models' range (all
 * threads draw from the counter `next`, reset to 0), and what changed since the helper's previous
 * job (a field left out is as before): the layout and the buffers (`grads` null: update mode).
 */
export interface TrainJob {
  seq: number;
  kind: "train" | "hvp";
  layout?: MlpLayout;
  buffers?: Partial<Record<BufferName, SharedArrayBuffer | null>>;
  /** The state's batch slots and label-map width, the data set's shape (train). */
  numBatches: number;
  labelMapWidth: number;
  data: { count: number; inputs: number; targetWidth: number };
  tables?: HvpTables;
  from: number;
  to: number;
  /** Steps of each model (train; default 1: trainStepCpu's `steps`). */
  steps?: number;
}
