/**
 * Unrolls of learned (or hand-designed) optimizers: many models trained on the support sets of a
 * batch of tasks in one population, copies of a task sharing the init and the minibatch sequence
 * (common random numbers), with their loss curves sampled and their query sets evaluated.
 * @module
 */
import { rngInt } from "../core/rng.ts";
import type { Backend, BackendDataset, Population, TrainMetrics } from "../learners/backend.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { shareInits } from "../learners/shared_inits.ts";
import type { EpisodeBatch, TaskFamily } from "../learners/tasks/task_family.ts";

/** The base learner every unroll trains. */
export interface UnrollModel {
  /** Hidden widths. */
  hidden: number[];
  /** Hidden nonlinearity. */
  activation: "relu" | "tanh";
  /** Minibatch size. */
  batchSize: number;
}

/** Options of `runUnroll`. */
export interface UnrollOptions {
  /** Models per task: model p trains task floor(p / copies). */
  copies: number;
  /** Knobs of every model (length tasks * copies). */
  knobs: Knobs[];
  /** (P, LEARNED_STRIDE) meta-network rows for learned models (default zeros). */
  learned?: Float32Array<ArrayBuffer>;
  /** Called before each chunk with its first step: new knobs (for schedules), or undefined. */
  knobsAt?: (step: number) => Knobs[] | undefined;
  /** Train steps. */
  steps: number;
  /** Steps between loss samples (one readback each). */
  every: number;
  /** Seed of the inits and minibatches. */
  seed: number;
  /** The base learner. */
  model: UnrollModel;
  /** Whether to evaluate on each task's query set at the end (default true). */
  evaluate?: boolean;
  /**
   * Only tasks [first, end) of the batch (default all): model p trains task first + floor(p /
   * copies) with the init, label map and minibatches it has in the whole unroll, so the parts of
   * an unroll, run apart, give the models of the whole one.
   */
  taskRange?: readonly [number, number];
}

/** The tasks an unroll trains: [first, end). */
function taskSpan(tasks: EpisodeBatch, o: UnrollOptions): readonly [number, number] {
  const [first, end] = o.taskRange ?? [0, tasks.episodes];
  if (
    !(Number.isInteger(first) && Number.isInteger(end) && 0 <= first && first < end &&
      end <= tasks.episodes)
  ) {
    throw new RangeError(
      `Invalid unroll taskRange: must be integers 0 <= first < end <= ${tasks.episodes}: current value is [${first}, ${end}]`,
    );
  }
  return [first, end];
}

/** What one unroll measured per model. */
export interface UnrollResult {
  /** Steps at which losses were sampled. */
  x: number[];
  /** loss[p][i]: training loss of model p at step x[i] (NaN once quarantined). */
  loss: number[][];
  /** gradNorm[p][i]: gradient norm before clipping at step x[i]. */
  gradNorm: number[][];
  /** (P) 1 if quarantined. */
  diverged: Uint8Array;
  /** (P) loss on the task's query set after training (NaN when not evaluated). */
  queryLoss: Float32Array;
  /** (P) accuracy on the task's query set after training. */
  queryAccuracy: Float32Array;
}

/**
 * Copies of task t share the init of model number t, its label map and its minibatch sequence, so
 * a method's run on a task does not depend on how many copies (methods, learning rates) run beside
 * it.
 */
function prepareUnroll(
  pop: Population,
  tasks: EpisodeBatch,
  o: UnrollOptions,
): void {
  const P = pop.layout.size;
  const [first] = taskSpan(tasks, o);
  // Models 0..T-1 of this population draw the inits of model numbers first..end-1.
  shareInits(pop, { seed: o.seed, first, source: (p) => Math.floor(p / o.copies) });
  pop.setKnobs(o.knobs);
  if (o.learned) pop.setLearnedWeights(o.learned);
  if (tasks.labelMapWidth > 0 && tasks.labelMap) {
    const w = tasks.labelMapWidth;
    const map = new Uint32Array(P * w);
    for (let p = 0; p < P; p++) {
      const t = first + Math.floor(p / o.copies);
      map.set(tasks.labelMap.subarray(t * w, (t + 1) * w), p * w);
    }
    pop.setLabelMap(map, w);
  }
  // One minibatch per step (cycling after 256), drawn from the task's support rows.
  const B = o.model.batchSize;
  const S = tasks.supportSize;
  const nb = Math.min(o.steps, 256);
  const batches = new Uint32Array(P * nb * B);
  for (let p = 0; p < P; p++) {
    const t = first + Math.floor(p / o.copies);
    for (let i = 0; i < nb * B; i++) {
      batches[p * nb * B + i] = tasks.support[t * S + rngInt(o.seed, t, S, i, 0x5ba)]!;
    }
  }
  pop.setBatches(batches, nb);
}

/** Trains `o.steps` steps, sampling every model's loss and gradient norm every `o.every` steps. */
async function trainAndSample(
  pop: Population,
  data: BackendDataset,
  o: UnrollOptions,
): Promise<Pick<UnrollResult, "x" | "loss" | "gradNorm" | "diverged">> {
  const P = pop.layout.size;
  const x: number[] = [];
  const loss: number[][] = Array.from({ length: P }, () => []);
  const gradNorm: number[][] = Array.from({ length: P }, () => []);
  // Every sample is a queued copy of the metrics, read together at the end: one GPU wait.
  const samples: (() => Promise<TrainMetrics>)[] = [];
  for (let step = 0; step < o.steps;) {
    const k = Math.min(o.every, o.steps - step);
    const kn = o.knobsAt?.(step);
    if (kn) pop.setKnobs(kn);
    pop.train(data, k);
    step += k;
    samples.push(pop.snapshotMetrics());
    x.push(step);
  }
  let diverged: Uint8Array = new Uint8Array(P);
  for (const m of await Promise.all(samples.map((read) => read()))) {
    diverged = m.diverged;
    for (let p = 0; p < P; p++) {
      loss[p]!.push(m.diverged[p] ? NaN : m.loss[p]!);
      gradNorm[p]!.push(m.diverged[p] ? NaN : m.gradNorm[p]!);
    }
  }
  return { x, loss, gradNorm, diverged };
}

/** Query loss and accuracy of every model on its task's query set (NaN for quarantined models). */
async function evaluateQuery(
  pop: Population,
  data: BackendDataset,
  tasks: EpisodeBatch,
  o: UnrollOptions,
  diverged: Uint8Array,
): Promise<{ queryLoss: Float32Array; queryAccuracy: Float32Array }> {
  const P = pop.layout.size;
  const Q = tasks.querySize;
  const [first] = taskSpan(tasks, o);
  const idx = new Uint32Array(P * Q);
  for (let p = 0; p < P; p++) {
    const t = first + Math.floor(p / o.copies);
    idx.set(tasks.query.subarray(t * Q, (t + 1) * Q), p * Q);
  }
  const ev = await pop.evaluate(data, idx);
  const queryLoss: Float32Array = ev.loss;
  const queryAccuracy: Float32Array = ev.accuracy;
  for (let p = 0; p < P; p++) {
    if (diverged[p]) {
      queryLoss[p] = NaN;
      queryAccuracy[p] = NaN;
    }
  }
  return { queryLoss, queryAccuracy };
}

/**
 * Trains tasks.episodes * copies models (or those of `o.taskRange`), each on the support set of its
 * task, and samples their losses every `every` steps. Copies of a task share the init and the
 * minibatch sequence.
 */
export async function runUnroll(
  backend: Backend,
  tasks: EpisodeBatch,
  o: UnrollOptions,
): Promise<UnrollResult> {
  const [first, end] = taskSpan(tasks, o);
  const T = end - first;
  const P = T * o.copies;
  if (o.knobs.length !== P) {
    throw new RangeError(
      `Invalid unroll knobs: must have tasks * copies = ${P} entries: current length is ${o.knobs.length}`,
    );
  }
  const data = backend.uploadDataset(tasks.dataset);
  const pop = backend.createPopulation({
    size: P,
    widths: [tasks.dataset.inputs, ...o.model.hidden, tasks.ways],
    activation: o.model.activation,
    batchSize: o.model.batchSize,
  });
  try {
    prepareUnroll(pop, tasks, o);
    const run = await trainAndSample(pop, data, o);
    const query = o.evaluate ?? true
      ? await evaluateQuery(pop, data, tasks, o, run.diverged)
      : { queryLoss: new Float32Array(P).fill(NaN), queryAccuracy: new Float32Array(P).fill(NaN) };
    return { ...run, ...query };
  } finally {
    pop.destroy();
    data.destroy();
  }
}

/** Area under a loss curve: the mean of its samples, each capped at `cap` (NaN counts as cap). */
export function lossArea(curve: readonly number[], cap: number): number {
  let s = 0;
  for (const v of curve) s += Number.isFinite(v) ? Math.min(v, cap) : cap;
  return curve.length ? s / curve.length : cap;
}

/** Which episodes an unroll trains on: `family.sampleEpisodes(seed, count)`. */
export interface UnrollSample {
  /** Sampling seed. */
  seed: number;
  /** Episodes (tasks). */
  count: number;
}

/** Runs an unroll of sampled tasks somewhere (for example as cluster jobs, one per task). */
export type UnrollRunner = (
  backend: Backend,
  family: TaskFamily,
  sample: UnrollSample,
  o: UnrollOptions,
) => Promise<UnrollResult>;

let unrollRunner: UnrollRunner | undefined;

/** Sets (or clears) the runner `sampledUnroll` hands its unrolls to; default: this process. */
export function setUnrollRunner(r: UnrollRunner | undefined): void {
  unrollRunner = r;
}

/** Whether a runner is set (`--cluster`: the unrolls run as cluster jobs). */
export function hasUnrollRunner(): boolean {
  return unrollRunner !== undefined;
}

/** `runUnroll` on `family.sampleEpisodes(sample.seed, sample.count)`, or by the runner set. */
export function sampledUnroll(
  backend: Backend,
  family: TaskFamily,
  sample: UnrollSample,
  o: UnrollOptions,
): Promise<UnrollResult> {
  if (unrollRunner) return unrollRunner(backend, family, sample, o);
  return runUnroll(backend, family.sampleEpisodes(sample.seed, sample.count), o);
}
