/**
 * Scoring of strategy genomes on a task set: objective tasks run together as segments
 * (genome x task x replicate) of one population; each neural or data-set task runs as one MLP
 * population of genome x replicate segments. Every call returns the statistics of the
 * base-evolution runs it made (no global counters).
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import { mean } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import {
  type EvolutionResult,
  initialPoints,
  mlpBlocks,
  pointBlocks,
  runEvolution,
  type UserObjective,
} from "../../learners/evolution/evolution.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { createMlpState, initParamsCpu } from "../../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { createObjective, type Objective } from "../../learners/tasks/objectives.ts";
import {
  DEFAULT_META_WEIGHTS,
  type GenomeScore,
  type MetaWeights,
  scoreCurves,
  type SegmentRun,
  segmentRun,
  type TaskScore,
} from "./meta_objectives.ts";
import { type MetaTask, metaTaskDataset } from "./meta_task.ts";

/** How base evolution is sized when scoring genomes. */
export interface ScoreOptions {
  /** Models per segment. */
  modelsPerSegment: number;
  /** Generations per run. */
  generations: number;
  /** Replicates (different initial populations) per (genome, task). */
  replicates: number;
  /** Seed of the initial populations and the evolution RNG. */
  seed: number;
  /** Meta-objective weights. */
  weights?: MetaWeights;
  /** Generations per submit / readback on the GPU (default 16). */
  readEvery?: number;
}

/** Counters summed over base-evolution runs (awaits, submits, generations, seconds). */
export interface RunStats {
  /** GPU awaits (readbacks). */
  awaits: number;
  /** GPU queue submits. */
  submits: number;
  /** Base-evolution generations. */
  generations: number;
  /** Wall-clock seconds of the runs. */
  seconds: number;
  /** Base-evolution runs. */
  runs: number;
  /** Host seconds encoding and submitting GPU work. */
  submitSeconds: number;
  /** Seconds awaiting readbacks (the GPU executing the submitted generations). */
  waitSeconds: number;
  /** User-objective evaluations stopped by the iteration budget (each model quarantined). */
  overBudget: number;
}

/** Zeroed run statistics. */
export function emptyRunStats(): RunStats {
  return {
    awaits: 0,
    submits: 0,
    generations: 0,
    seconds: 0,
    runs: 0,
    submitSeconds: 0,
    waitSeconds: 0,
    overBudget: 0,
  };
}

/** Adds `b` to `a` (in place) and returns `a`. */
export function addRunStats(a: RunStats, b: Readonly<RunStats>): RunStats {
  a.submitSeconds += b.submitSeconds;
  a.waitSeconds += b.waitSeconds;
  a.awaits += b.awaits;
  a.submits += b.submits;
  a.seconds += b.seconds;
  a.generations += b.generations;
  a.runs += b.runs;
  a.overBudget += b.overBudget;
  return a;
}

/** What `scoreGenomes` returns: one score per genome and the statistics of its runs. */
export interface GenomeScores {
  /** Per genome, in input order. */
  scores: GenomeScore[];
  /** Statistics of the base-evolution runs made. */
  stats: RunStats;
}

function isObjectiveTask(t: MetaTask): boolean {
  return t.kind === "objective" || t.kind === "user_objective";
}

function runStatsOf(r: EvolutionResult, generations: number): RunStats {
  return {
    awaits: r.awaits,
    submits: r.submits,
    generations,
    seconds: r.seconds,
    runs: 1,
    submitSeconds: r.submitSeconds,
    waitSeconds: r.waitSeconds,
    overBudget: r.overBudget,
  };
}

function objectiveOf(t: MetaTask): Objective | UserObjective {
  if (t.kind === "user_objective") {
    return { kind: "user", dim: t.dim, body: t.wgsl, file: t.file ?? `${t.name}.wgsl`, cpu: t.cpu };
  }
  const o = t as Extract<MetaTask, { kind: "objective" }>;
  return createObjective(o.objective, o.dim, { seed: 0, task: o.task });
}

/** Scores every genome on the objective tasks `objTasks` in one run; per genome, per task. */
async function scoreObjectiveTasks(
  backend: Backend,
  genomes: readonly StrategyGenome[],
  objTasks: readonly MetaTask[],
  o: ScoreOptions,
  stats: RunStats,
): Promise<TaskScore[][]> {
  const [M, G, R, T] = [o.modelsPerSegment, o.generations, o.replicates, objTasks.length];
  const objs = objTasks.map(objectiveOf);
  const dim = Math.max(...objs.map((x) => x.dim));
  const stride = Math.ceil(dim / 4) * 4;
  const segGenomes: StrategyGenome[] = [];
  const segTask: number[] = [];
  const streams: number[] = [];
  for (const genome of genomes) {
    for (let t = 0; t < T; t++) {
      for (let r = 0; r < R; r++) {
        segGenomes.push(genome);
        segTask.push(t);
        streams.push(t * 1024 + r);
      }
    }
  }
  const initScale = (objTasks[0] as { initScale?: number }).initScale ?? 2;
  const init = initialPoints(streams, M, dim, stride, { seed: o.seed, initScale });
  // Points beyond a task's own dim stay at their initial value and are ignored by its objective.
  const res = await runEvolution(
    backend,
    {
      genomes: segGenomes,
      modelsPerSegment: M,
      generations: G,
      seed: o.seed,
      blocks: pointBlocks(dim, initScale),
      readEvery: o.readEvery,
      // Common random numbers: a (task, replicate)'s selection and breeding draws are the same
      // for every genome, as its initial population is.
      rngStreams: streams,
    },
    { kind: "objective", objectives: objs, segTask },
    init,
  );
  addRunStats(stats, runStatsOf(res, G));
  const S = segGenomes.length;
  const w = o.weights ?? DEFAULT_META_WEIGHTS;
  return genomes.map((genome, gi) =>
    objTasks.map((task, t) => {
      const runs: SegmentRun[] = [];
      for (let r = 0; r < R; r++) runs.push(segmentRun(res.history, S, (gi * T + t) * R + r, G));
      return scoreCurves(task, genome, runs, w, M);
    })
  );
}

/** Scores every genome on one neural or data-set task (task index `ti`) in one run. */
async function scoreNeuralTask(
  backend: Backend,
  genomes: readonly StrategyGenome[],
  task: Extract<MetaTask, { kind: "neural" | "dataset" }>,
  ti: number,
  o: ScoreOptions,
  stats: RunStats,
): Promise<TaskScore[]> {
  const [M, G, R, nG] = [o.modelsPerSegment, o.generations, o.replicates, genomes.length];
  const ds = metaTaskDataset(task);
  const data = backend.uploadDataset(ds);
  const spec = {
    size: nG * R * M,
    widths: [task.inputs, task.hidden, ds.classes > 0 ? ds.classes : ds.targetWidth],
    loss: ds.classes > 0 ? "cross_entropy" as const : "mse" as const,
    batchSize: task.batchSize ?? 16,
  };
  const pop = backend.createPopulation(spec);
  // Common random numbers: replicate r's M initial models are the same for every genome.
  const small = mlpLayout({ ...spec, size: R * M });
  const st = createMlpState(small);
  initParamsCpu(small, st, deriveSeed(o.seed, `neural-init-${ti}`) >>> 0);
  const L = pop.layout;
  const params = new Float32Array(L.size * L.stride);
  for (let gi = 0; gi < nG; gi++) params.set(st.params, gi * R * M * L.stride);
  pop.init(0);
  pop.writeParams(params);
  pop.setKnobs({ lr: 0 });
  const ranges = new Uint32Array(2 * L.size);
  for (let p = 0; p < L.size; p++) ranges[2 * p + 1] = ds.count;
  const segGenomes: StrategyGenome[] = [];
  for (const genome of genomes) for (let r = 0; r < R; r++) segGenomes.push(genome);
  const res = await runEvolution(backend, {
    genomes: segGenomes,
    modelsPerSegment: M,
    generations: G,
    seed: o.seed,
    blocks: mlpBlocks(L),
    readEvery: o.readEvery,
    rngStreams: segGenomes.map((_, s) => s % R),
  }, { kind: "neural", population: pop, data, ranges });
  addRunStats(stats, runStatsOf(res, G));
  pop.destroy();
  data.destroy();
  const S = segGenomes.length;
  const w = o.weights ?? DEFAULT_META_WEIGHTS;
  return genomes.map((genome, gi) => {
    const runs: SegmentRun[] = [];
    for (let r = 0; r < R; r++) runs.push(segmentRun(res.history, S, gi * R + r, G));
    return scoreCurves(task, genome, runs, w, M);
  });
}

/**
 * Scores `genomes` on `tasks` once per seed k < `o.seeds` (run seed deriveSeed(o.seed,
 * `${label}-${k}`)), handing each seed's scores to `each`; returns the statistics of every run.
 */
export async function scoreOverSeeds(
  backend: Backend,
  genomes: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions & { seeds: number; label: string },
  each: (scores: GenomeScore[], k: number) => void,
): Promise<RunStats> {
  const stats = emptyRunStats();
  for (let k = 0; k < o.seeds; k++) {
    const r = await scoreGenomes(backend, genomes, tasks, {
      ...o,
      seed: deriveSeed(o.seed, `${o.label}-${k}`) >>> 0,
    });
    addRunStats(stats, r.stats);
    each(r.scores, k);
  }
  return stats;
}

/** Per genome, per task of one part: the scores and the statistics of its run. */
export interface PartScores {
  /** Per genome, per task of the part (task order). */
  scores: TaskScore[][];
  /** Statistics of the part's run. */
  stats: RunStats;
}

/**
 * The independent base-evolution runs of a scoring: -1 (all objective tasks in one run), then the
 * index of each neural or data-set task (one run each).
 */
export function scoreParts(tasks: readonly MetaTask[]): number[] {
  const parts = tasks.some(isObjectiveTask) ? [-1] : [];
  tasks.forEach((t, i) => (isObjectiveTask(t) ? undefined : parts.push(i)));
  return parts;
}

/** Runs one part (see `scoreParts`) of scoring `genomes` on `tasks`. */
export async function scorePart(
  backend: Backend,
  genomes: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions,
  part: number,
): Promise<PartScores> {
  const stats = emptyRunStats();
  if (part < 0) {
    const scores = await scoreObjectiveTasks(
      backend,
      genomes,
      tasks.filter(isObjectiveTask),
      o,
      stats,
    );
    return { scores, stats };
  }
  const t = tasks[part]!;
  if (t.kind !== "neural" && t.kind !== "dataset") throw new Error(`Cannot score part ${part}`);
  const scores = await scoreNeuralTask(backend, genomes, t, part, o, stats);
  return { scores: scores.map((s) => [s]), stats };
}

/** Runs the parts of a scoring and returns their scores in part order (e.g. as cluster jobs). */
export type PartRunner = (
  genomes: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions,
  parts: readonly number[],
) => Promise<PartScores[]>;

let partRunner: PartRunner | undefined;

/** Sets (or clears) the runner `scoreGenomes` hands its parts to; default: this process. */
export function setPartRunner(r: PartRunner | undefined): void {
  partRunner = r;
}

/** Whether a runner is set (`--cluster`: the scoring parts run as cluster jobs). */
export function hasPartRunner(): boolean {
  return partRunner !== undefined;
}

/**
 * Scores every genome on every task: objective tasks run together as segments
 * (genome x task x replicate) of one population; each neural task runs as one MLP population of
 * genome x replicate segments. Segments of the same (task, replicate) start from the same
 * initial population and draw the same selection and breeding random numbers (common random
 * numbers), so genomes are compared on equal terms: two equal genomes score exactly alike. The runs
 * are independent parts (`scoreParts`), run here or by the runner set with `setPartRunner`.
 */
export async function scoreGenomes(
  backend: Backend,
  genomes: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions,
): Promise<GenomeScores> {
  const stats = emptyRunStats();
  const parts = scoreParts(tasks);
  const runs: PartScores[] = [];
  if (partRunner) runs.push(...await partRunner(genomes, tasks, o, parts));
  else for (const p of parts) runs.push(await scorePart(backend, genomes, tasks, o, p));
  for (const r of runs) addRunStats(stats, r.stats);
  const obj = parts[0] === -1 ? runs[0]!.scores : genomes.map(() => []);
  const neural = runs.slice(parts[0] === -1 ? 1 : 0);
  // Reassemble in task order.
  const scores = genomes.map((_, gi) => {
    let a = 0;
    let b = 0;
    const ts = tasks.map((
      t,
    ) => (isObjectiveTask(t) ? obj[gi]![a++]! : neural[b++]!.scores[gi]![0]!));
    return { metaFitness: mean(ts.map((s) => s.metaFitness)), tasks: ts };
  });
  return { scores, stats };
}
