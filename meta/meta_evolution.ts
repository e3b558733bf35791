/**
 * Level 2 and 3: meta-evolution of `StrategyGenome`s. A meta-population of S genomes is scored by
 * running each on a task set (black-box objectives and a neural classification task) as segments
 * of one population per task kind; per (genome, task) meta-objectives (convergence speed, final
 * fitness, sample efficiency, diversity, robustness across replicates, computational efficiency)
 * are combined by weights (default the seed's 0.3 / 0.4 / 0.2 / 0.05 / 0.03 / 0.02). The meta
 * level selects (tournament), crosses (gene-wise) and mutates (discrete genes re-drawn, continuous
 * ones perturbed in log space) genomes; its own mutation rate, strength and tournament size form
 * a small population of knob settings evolved by the same operators (level 3). Attribution and transfer tests, and strategies.json export/import.
 * @module
 */
import { deriveSeed, Rng } from "../core/rng.ts";
import { mean, std, summarize, type Summary } from "../core/stats.ts";
import type { Backend } from "../learners/backend.ts";
import { CpuBackend } from "../learners/cpu_backend.ts";
import {
  initialPoints,
  mlpBlocks,
  pointBlocks,
  runEvolution,
} from "../learners/evolution/evolution.ts";
import { HIST } from "../learners/evolution/evolution_cpu.ts";
import {
  activeCount,
  BASELINE_GENOME,
  crossGenomes,
  mutateGenome,
  parseGenome,
  randomGenome,
  type StrategyGenome,
} from "../learners/evolution/evolution_genome.ts";
import { createMlpState, initParamsCpu } from "../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import {
  createObjective,
  type Objective,
  type ObjectiveName,
} from "../learners/tasks/objectives.ts";
import type { UserObjective } from "../learners/evolution/evolution.ts";
import type { Dataset } from "../learners/dataset.ts";
import { SyntheticClassification } from "../learners/tasks/synthetic_classification.ts";

/** A task of the task set. */
export type MetaTask =
  | {
    kind: "objective";
    /** Display name. */
    name: string;
    objective: ObjectiveName;
    dim: number;
    /** Task index: the shift/rotation stream. */
    task: number;
    /** Std of the initial points (default 2). */
    initScale?: number;
    /** Decades of objective-value reduction that count as normalized fitness 1 (default 3). */
    decades?: number;
  }
  | {
    kind: "neural";
    name: string;
    inputs: number;
    ways: number;
    /** Training points per class. */
    shots: number;
    hidden: number;
    difficulty: number;
    /** Seed of the task family. */
    familySeed: number;
    batchSize?: number;
  }
  | {
    /** A user's objective (minimized), WGSL body of `USER_OBJECTIVE_SIGNATURE`. */
    kind: "user_objective";
    name: string;
    dim: number;
    /** Body of fn user_objective(x: ptr<function, array<f32, MAXD>>, d: u32) -> f32. */
    wgsl: string;
    /** File name in compile errors (default "<name>.wgsl"). */
    file?: string;
    /** CPU twin (required on the CPU backend). */
    cpu?: (x: Float32Array, dim: number) => number;
    initScale?: number;
    decades?: number;
  }
  | {
    /** A user's data set: an MLP population trained/evolved on it (cross-entropy or MSE). */
    kind: "dataset";
    name: string;
    /** (count, inputs) row-major. */
    x: Float32Array;
    /** (count) class labels, or (count, targetWidth) regression targets when classes is 0. */
    y: Float32Array;
    inputs: number;
    /** Number of classes; 0 for regression (loss: mean squared error). */
    classes: number;
    hidden: number;
    batchSize?: number;
  };

/** Weights of the meta-objectives. */
export interface MetaWeights {
  /** Weight of convergence speed (default 0.3). */
  convergence: number;
  /** Weight of final normalized fitness (default 0.4). */
  final: number;
  /** Weight of sample efficiency (default 0.2). */
  efficiency: number;
  /** Weight of population diversity (default 0.05). */
  diversity: number;
  /** Weight of robustness across replicates (default 0.03). */
  robustness: number;
  /** Weight of computational efficiency (default 0.02). */
  compute: number;
}

/** The seed's weights: 0.3 / 0.4 / 0.2 / 0.05 / 0.03 / 0.02. */
export const DEFAULT_META_WEIGHTS: Readonly<MetaWeights> = Object.freeze({
  convergence: 0.3,
  final: 0.4,
  efficiency: 0.2,
  diversity: 0.05,
  robustness: 0.03,
  compute: 0.02,
});

/** Meta-objectives of one genome on one task (means over replicates; all in [0, 1]). */
export interface TaskScore {
  /** Convergence speed: 1 - (first generation reaching 90% of the final value) / (generations - 1). */
  convergence: number;
  /** Normalized best fitness at the last generation. */
  final: number;
  /** Sample efficiency: mean normalized best fitness over all generations. */
  efficiency: number;
  /** Mean population diversity d mapped to d / (1 + d). */
  diversity: number;
  /** Robustness across replicates: max(0, 1 - 2 * std of the final values); 1 for one replicate. */
  robustness: number;
  /**
   * Computational efficiency: (1 - active / (2 M)) with active = min(populationSize, M) models
   * evaluated per generation (all M: 0.5), times 1 / (1 + gradSteps) on neural and data-set tasks.
   */
  compute: number;
  /** Weighted sum. */
  metaFitness: number;
  /** Quarantined model-generations (diverged) summed over the run. */
  diverged: number;
  /** Mean normalized fitness per generation (over replicates). */
  curve: number[];
}

/** A genome's score on a task set. */
export interface GenomeScore {
  /** Mean meta-fitness over tasks. */
  metaFitness: number;
  /** Per task, in task-set order. */
  tasks: TaskScore[];
}

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

/** Counters summed over every base-evolution run (awaits, submits, generations, seconds). */
export const RUN_STATS = {
  awaits: 0,
  submits: 0,
  generations: 0,
  seconds: 0,
  runs: 0,
  /** Host seconds encoding and submitting GPU work. */
  submitSeconds: 0,
  /** Seconds awaiting readbacks (the GPU executing the submitted generations). */
  waitSeconds: 0,
};

/** Normalized fitness curve q_t in [0, 1] from raw fitness values (fitness = -value). */
function normalize(task: MetaTask, best: number[]): number[] {
  const v = best.map((f) => (f < -1e37 ? Infinity : -f));
  const v0 = v[0]!;
  if (!Number.isFinite(v0) || v0 <= 0) return v.map(() => 0);
  if (task.kind === "objective" || task.kind === "user_objective") {
    const dec = task.decades ?? 3;
    return v.map((x) =>
      Number.isFinite(x) ? Math.min(1, Math.max(0, Math.log10(v0 / Math.max(x, 1e-12)) / dec)) : 0
    );
  }
  return v.map((x) => (Number.isFinite(x) ? Math.min(1, Math.max(0, (v0 - x) / v0)) : 0));
}

function scoreCurves(
  task: MetaTask,
  genome: StrategyGenome,
  runs: { best: number[]; diversity: number[]; diverged: number }[],
  w: MetaWeights,
  m: number,
): TaskScore {
  const G = runs[0]!.best.length;
  const per = runs.map((r) => {
    const q = normalize(task, r.best);
    const final = q[G - 1]!;
    let t90 = G - 1;
    for (let t = 0; t < G; t++) {
      if (q[t]! >= 0.9 * final) {
        t90 = t;
        break;
      }
    }
    return {
      q,
      final,
      convergence: final > 0 ? 1 - t90 / Math.max(1, G - 1) : 0,
      efficiency: mean(q),
      diversity: mean(r.diversity.map((d) => d / (1 + d))),
      diverged: r.diverged,
    };
  });
  const finals = per.map((p) => p.final);
  const s: TaskScore = {
    convergence: mean(per.map((p) => p.convergence)),
    final: mean(finals),
    efficiency: mean(per.map((p) => p.efficiency)),
    diversity: mean(per.map((p) => p.diversity)),
    robustness: finals.length > 1 ? Math.max(0, 1 - 2 * std(finals)) : 1,
    compute: (1 - activeCount(genome, m) / (2 * m)) *
      (task.kind === "neural" || task.kind === "dataset" ? 1 / (1 + genome.gradSteps) : 1),
    metaFitness: 0,
    diverged: per.reduce((a, p) => a + p.diverged, 0),
    curve: Array.from({ length: G }, (_, t) => mean(per.map((p) => p.q[t]!))),
  };
  s.metaFitness = w.convergence * s.convergence + w.final * s.final +
    w.efficiency * s.efficiency + w.diversity * s.diversity + w.robustness * s.robustness +
    w.compute * s.compute;
  return s;
}

function extract(
  history: Float32Array,
  S: number,
  s: number,
  G: number,
): { best: number[]; diversity: number[]; diverged: number } {
  const best: number[] = [];
  const diversity: number[] = [];
  let diverged = 0;
  for (let g = 0; g < G; g++) {
    const h = (g * S + s) * HIST;
    best.push(history[h]!);
    diversity.push(history[h + 4]!);
    diverged += history[h + 3]!;
  }
  return { best, diversity, diverged };
}

function neuralData(t: Extract<MetaTask, { kind: "neural" }>): Dataset {
  const fam = new SyntheticClassification({
    inputs: t.inputs,
    ways: t.ways,
    shots: t.shots,
    queryPerClass: 1,
    difficulty: t.difficulty,
    familySeed: t.familySeed,
  });
  const ep = fam.sampleEpisodes(t.familySeed, 1);
  const src = ep.dataset;
  const rows = ep.support;
  const x = new Float32Array(rows.length * src.inputs);
  const y = new Float32Array(rows.length);
  rows.forEach((row, i) => {
    x.set(src.x.subarray(row * src.inputs, (row + 1) * src.inputs), i * src.inputs);
    y[i] = src.y[row]!;
  });
  return { count: rows.length, inputs: src.inputs, targetWidth: 1, classes: src.classes, x, y };
}

function userData(t: Extract<MetaTask, { kind: "dataset" }>): Dataset {
  const count = t.x.length / t.inputs;
  if (!Number.isInteger(t.inputs) || t.inputs < 1 || !Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `Cannot use data set "${t.name}" as x.length must be a positive multiple of inputs (${t.inputs}): current length is ${t.x.length}`,
    );
  }
  const targetWidth = t.classes > 0 ? 1 : t.y.length / count;
  if (!Number.isInteger(targetWidth) || targetWidth < 1 || t.y.length !== count * targetWidth) {
    throw new RangeError(
      `Cannot use data set "${t.name}" as y.length must be ${
        t.classes > 0 ? count : "a positive multiple of " + count
      }: current length is ${t.y.length}`,
    );
  }
  if (t.classes > 0 && t.y.some((v) => !Number.isInteger(v) || v < 0 || v >= t.classes)) {
    throw new RangeError(
      `Cannot use data set "${t.name}" as labels must be integers in [0, ${t.classes - 1}]`,
    );
  }
  return {
    count,
    inputs: t.inputs,
    targetWidth,
    classes: t.classes,
    x: Float32Array.from(t.x),
    y: Float32Array.from(t.y),
  };
}

/**
 * Scores every genome on every task: objective tasks run together as segments
 * (genome x task x replicate) of one population; each neural task runs as one MLP population of
 * genome x replicate segments. Segments of the same (task, replicate) start from the same
 * initial population (common random numbers), so genomes are compared on equal terms.
 */
export async function scoreGenomes(
  backend: Backend,
  genomes: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions,
): Promise<GenomeScore[]> {
  const w = o.weights ?? DEFAULT_META_WEIGHTS;
  const M = o.modelsPerSegment;
  const G = o.generations;
  const R = o.replicates;
  const nG = genomes.length;
  const taskScores: TaskScore[][] = genomes.map(() => []);
  const isObj = (t: MetaTask) => t.kind === "objective" || t.kind === "user_objective";
  const objIdx = tasks.map((t, i) => (isObj(t) ? i : -1)).filter((i) => i >= 0);
  const results = new Map<number, TaskScore[]>();
  const track = (
    r: {
      awaits: number;
      submits: number;
      seconds: number;
      submitSeconds: number;
      waitSeconds: number;
    },
  ) => {
    RUN_STATS.submitSeconds += r.submitSeconds;
    RUN_STATS.waitSeconds += r.waitSeconds;
    RUN_STATS.awaits += r.awaits;
    RUN_STATS.submits += r.submits;
    RUN_STATS.seconds += r.seconds;
    RUN_STATS.generations += G;
    RUN_STATS.runs++;
  };
  if (objIdx.length > 0) {
    const objs = objIdx.map((i): Objective | UserObjective => {
      const t = tasks[i]!;
      if (t.kind === "user_objective") {
        return {
          kind: "user",
          dim: t.dim,
          body: t.wgsl,
          file: t.file ?? `${t.name}.wgsl`,
          cpu: t.cpu,
        };
      }
      const o = t as Extract<MetaTask, { kind: "objective" }>;
      return createObjective(o.objective, o.dim, { seed: 0, task: o.task });
    });
    const dim = Math.max(...objs.map((x) => x.dim));
    const stride = Math.ceil(dim / 4) * 4;
    const T = objIdx.length;
    const segGenomes: StrategyGenome[] = [];
    const segTask: number[] = [];
    const streams: number[] = [];
    for (let gi = 0; gi < nG; gi++) {
      for (let t = 0; t < T; t++) {
        for (let r = 0; r < R; r++) {
          segGenomes.push(genomes[gi]!);
          segTask.push(t);
          streams.push(t * 1024 + r);
        }
      }
    }
    const initScale = (tasks[objIdx[0]!] as { initScale?: number }).initScale ?? 2;
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
      },
      { kind: "objective", objectives: objs, segTask },
      init,
    );
    track(res);
    const S = segGenomes.length;
    for (let gi = 0; gi < nG; gi++) {
      const list: TaskScore[] = [];
      for (let t = 0; t < T; t++) {
        const runs = [];
        for (let r = 0; r < R; r++) runs.push(extract(res.history, S, (gi * T + t) * R + r, G));
        list.push(scoreCurves(tasks[objIdx[t]!]!, genomes[gi]!, runs, w, M));
      }
      results.set(gi, list);
    }
  }
  const neural = new Map<number, TaskScore[]>();
  for (let ti = 0; ti < tasks.length; ti++) {
    const t = tasks[ti]!;
    if (t.kind !== "neural" && t.kind !== "dataset") continue;
    const ds = t.kind === "neural" ? neuralData(t) : userData(t);
    const data = backend.uploadDataset(ds);
    const rows = { length: ds.count };
    const spec = {
      size: nG * R * M,
      widths: [t.inputs, t.hidden, ds.classes > 0 ? ds.classes : ds.targetWidth],
      loss: ds.classes > 0 ? "cross_entropy" as const : "mse" as const,
      batchSize: t.batchSize ?? 16,
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
    for (let p = 0; p < L.size; p++) ranges[2 * p + 1] = rows.length;
    const segGenomes: StrategyGenome[] = [];
    for (let gi = 0; gi < nG; gi++) for (let r = 0; r < R; r++) segGenomes.push(genomes[gi]!);
    const res = await runEvolution(backend, {
      genomes: segGenomes,
      modelsPerSegment: M,
      generations: G,
      seed: o.seed,
      blocks: mlpBlocks(L),
      readEvery: o.readEvery,
    }, { kind: "neural", population: pop, data, ranges });
    track(res);
    pop.destroy();
    data.destroy();
    const S = segGenomes.length;
    for (let gi = 0; gi < nG; gi++) {
      const runs = [];
      for (let r = 0; r < R; r++) runs.push(extract(res.history, S, gi * R + r, G));
      const list = neural.get(gi) ?? [];
      list.push(scoreCurves(t, genomes[gi]!, runs, w, M));
      neural.set(gi, list);
    }
  }
  // Reassemble in task order.
  for (let gi = 0; gi < nG; gi++) {
    const obj = results.get(gi) ?? [];
    const neu = neural.get(gi) ?? [];
    let a = 0;
    let b = 0;
    for (const t of tasks) taskScores[gi]!.push(isObj(t) ? obj[a++]! : neu[b++]!);
  }
  return taskScores.map((ts) => ({ metaFitness: mean(ts.map((s) => s.metaFitness)), tasks: ts }));
}

/** The meta level's own knobs (level 3 adapts them). */
export interface MetaEvolutionKnobs {
  /** Probability that a gene mutates. */
  mutationRate: number;
  /** Mutation strength (log-space std for log genes). */
  mutationStrength: number;
  /** Tournament size of meta selection (selection pressure). */
  tournamentSize: number;
}

/** Ranges of the meta knobs (level 3 keeps them inside). */
export const META_KNOB_RANGES: Readonly<Record<keyof MetaEvolutionKnobs, [number, number]>> = {
  mutationRate: [0.02, 0.9],
  mutationStrength: [0.02, 2],
  tournamentSize: [1, 8],
};

const KNOB_NAMES = Object.keys(META_KNOB_RANGES) as (keyof MetaEvolutionKnobs)[];

function clampKnob(name: keyof MetaEvolutionKnobs, v: number): number {
  const [lo, hi] = META_KNOB_RANGES[name];
  const c = Math.min(hi, Math.max(lo, v));
  return name === "tournamentSize" ? Math.round(c) : c;
}

/**
 * Level 3 mutation, the genome operator one level up: each knob with probability `rate` is
 * multiplied by exp(strength * N(0,1)) (all knobs are log genes), then clamped (tournament rounded).
 */
export function mutateMetaKnobs(
  k: MetaEvolutionKnobs,
  rng: Rng,
  rate: number,
  strength: number,
): MetaEvolutionKnobs {
  const out = { ...k };
  for (const name of KNOB_NAMES) {
    if (rng.uniform() >= rate) continue;
    out[name] = clampKnob(name, k[name] * Math.exp(strength * rng.normal()));
  }
  return out;
}

/** Level 3 crossover: each knob from `a` or `b` with probability 1/2 (as `crossGenomes`). */
export function crossMetaKnobs(
  a: MetaEvolutionKnobs,
  b: MetaEvolutionKnobs,
  rng: Rng,
): MetaEvolutionKnobs {
  const out = { ...a };
  for (const name of KNOB_NAMES) out[name] = rng.uniform() < 0.5 ? a[name] : b[name];
  return out;
}

/** Options of `metaTrain`. */
export interface MetaTrainOptions extends ScoreOptions {
  /** Meta-population size S (default 16). */
  populationSize?: number;
  /** Meta-generations. */
  metaGenerations: number;
  /** Genomes copied unchanged to the next meta-generation (default 2). */
  metaElites?: number;
  /** Initial meta knobs (default rate 0.3, strength 0.5, tournament 3). */
  knobs?: Partial<MetaEvolutionKnobs>;
  /** Evolve the meta knobs (level 3; default true); false keeps `knobs` fixed. */
  adaptKnobs?: boolean;
  /**
   * Level 3 population: meta-knob settings evolved by the meta-fitness improvement their
   * offspring produced (default 4; setting 0 starts at `knobs`, the others perturbed from it).
   */
  knobPopulation?: number;
  /** Mutation rate and strength of the level-3 operators (fixed: the recursion stops here). */
  knobMutation?: { rate: number; strength: number };
  /** Include the baseline genome in the initial population (default true). */
  includeBaseline?: boolean;
  /** Called after each meta-generation with its row. */
  onGeneration?: (row: MetaGenerationRow) => void | Promise<void>;
}

/** One meta-generation's log row. */
export interface MetaGenerationRow {
  /** Meta-generation index, from 0. */
  metaGeneration: number;
  /** Best meta-fitness of this meta-generation. */
  best: number;
  /** Mean meta-fitness over the meta-population. */
  mean: number;
  /** Lower bound of the 95% confidence interval of the mean meta-fitness. */
  ci95Low: number;
  /** Upper bound of the 95% confidence interval of the mean meta-fitness. */
  ci95High: number;
  /** Best meta-fitness seen so far, this meta-generation included. */
  bestEver: number;
  /** Fraction of bred members whose meta-fitness beats their better parent's. */
  successRate: number;
  /** Mean over the level-3 population of the knob settings used to breed the next generation. */
  mutationRate: number;
  /** Mean over the level-3 population of the mutation strength. */
  mutationStrength: number;
  /** Mean over the level-3 population of the meta tournament size. */
  tournamentSize: number;
  /** The level-3 population after this meta-generation's update (breeds the next generation). */
  knobSettings: MetaEvolutionKnobs[];
  /** Credit of each knob setting that bred this generation: mean (child - better parent) meta-fitness. */
  knobCredit: number[];
  /** The best-credited knob setting of this meta-generation (the current setting at generation 0). */
  bestKnobs: MetaEvolutionKnobs;
  /** Gene-value frequencies of the discrete genes (e.g. "selection=tournament": 0.25). */
  frequencies: Record<string, number>;
  /** Wall-clock seconds this meta-generation took. */
  seconds: number;
}

/** A scored genome. */
export interface ScoredGenome {
  /** The strategy genome. */
  genome: StrategyGenome;
  /** Its meta-fitness and per-task scores. */
  score: GenomeScore;
  /** Meta-generation in which it was scored. */
  metaGeneration: number;
}

/** What `metaTrain` returns. */
export interface MetaTrainResult {
  /** Per meta-generation rows. */
  rows: MetaGenerationRow[];
  /** Every genome evaluated, with its score. */
  evaluated: ScoredGenome[];
  /** Best mean meta-fitness seen (universal best). */
  universalBest: ScoredGenome;
  /** The best genome of meta-generation 0 (the initial population). */
  initialBest: ScoredGenome;
  /** Final meta-population. */
  population: StrategyGenome[];
  /** Per task (task-set order): the genome with the best score on that task. */
  perTaskBest: ScoredGenome[];
}

function frequencies(pop: readonly StrategyGenome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of pop) {
    for (const k of ["selection", "mutation", "crossover", "lrSchedule"] as const) {
      const key = `${k}=${g[k]}`;
      out[key] = (out[key] ?? 0) + 1 / pop.length;
    }
    const memetic = `memetic=${g.gradSteps > 0}`;
    out[memetic] = (out[memetic] ?? 0) + 1 / pop.length;
  }
  return out;
}

/**
 * Meta-trains strategy genomes on `tasks`. Level 2: select (tournament), cross (gene-wise) and
 * mutate genomes by meta-fitness. Level 3, the same rules one level up: a small population of
 * meta-knob settings (mutation rate, mutation strength, tournament size) each breeds a share of
 * the offspring; a setting's fitness is the mean meta-fitness improvement of its offspring over
 * their better parent, and the settings are selected (tournament of 2, best kept), crossed
 * knob-wise and mutated in log space like genomes.
 */
export async function metaTrain(
  backend: Backend,
  tasks: readonly MetaTask[],
  o: MetaTrainOptions,
): Promise<MetaTrainResult> {
  const S = o.populationSize ?? 16;
  const rng = new Rng(deriveSeed(o.seed, "meta"), 1);
  const krng = new Rng(deriveSeed(o.seed, "meta-knobs"), 1);
  const start: MetaEvolutionKnobs = {
    mutationRate: o.knobs?.mutationRate ?? 0.3,
    mutationStrength: o.knobs?.mutationStrength ?? 0.5,
    tournamentSize: o.knobs?.tournamentSize ?? 3,
  };
  const adapt = o.adaptKnobs ?? true;
  const K = adapt ? Math.max(1, o.knobPopulation ?? 4) : 1;
  const km = o.knobMutation ?? { rate: 0.7, strength: 0.4 };
  let knobPop: MetaEvolutionKnobs[] = [start];
  while (knobPop.length < K) knobPop.push(mutateMetaKnobs(start, krng, 1, km.strength));
  const elites = Math.min(S - 1, o.metaElites ?? 2);
  let pop: StrategyGenome[] = [];
  if (o.includeBaseline ?? true) pop.push({ ...BASELINE_GENOME });
  while (pop.length < S) pop.push(randomGenome(rng));
  let parentScores: number[] = pop.map(() => NaN);
  // Which knob setting bred each member (-1: elite or initial).
  let bredBy: number[] = pop.map(() => -1);
  const rows: MetaGenerationRow[] = [];
  const evaluated: ScoredGenome[] = [];
  let bestEver: ScoredGenome | undefined;
  let initialBest: ScoredGenome | undefined;
  const perTaskBest: (ScoredGenome | undefined)[] = tasks.map(() => undefined);
  for (let mg = 0; mg < o.metaGenerations; mg++) {
    const t0 = performance.now();
    const scores = await scoreGenomes(backend, pop, tasks, {
      ...o,
      seed: deriveSeed(o.seed, `meta-gen-${mg}`) >>> 0,
    });
    const fit = scores.map((s) => s.metaFitness);
    pop.forEach((g, i) => {
      const e = { genome: g, score: scores[i]!, metaGeneration: mg };
      evaluated.push(e);
      scores[i]!.tasks.forEach((ts, t) => {
        const cur = perTaskBest[t];
        if (!cur || ts.metaFitness > cur.score.tasks[t]!.metaFitness) perTaskBest[t] = e;
      });
    });
    const order = fit.map((_, i) => i).sort((a, b) => fit[b]! - fit[a]! || a - b);
    const best = { genome: pop[order[0]!]!, score: scores[order[0]!]!, metaGeneration: mg };
    if (mg === 0) initialBest = best;
    if (!bestEver || best.score.metaFitness > bestEver.score.metaFitness) bestEver = best;
    // Level 3 fitness: each knob setting's mean improvement of its offspring over the better parent.
    let succ = 0;
    let den = 0;
    const gain = knobPop.map(() => 0);
    const count = knobPop.map(() => 0);
    parentScores.forEach((ps, i) => {
      if (Number.isNaN(ps)) return;
      den++;
      if (fit[i]! > ps) succ++;
      const k = bredBy[i]!;
      if (k >= 0) {
        gain[k]! += fit[i]! - ps;
        count[k]!++;
      }
    });
    const credit = gain.map((g, k) => (count[k]! > 0 ? g / count[k]! : -Infinity));
    const successRate = den > 0 ? succ / den : 0;
    let bestK = 0;
    credit.forEach((c, k) => {
      if (c > credit[bestK]!) bestK = k;
    });
    const bestKnobs = { ...knobPop[bestK]! };
    if (adapt && mg > 0 && K > 1) {
      // Select (tournament of 2 on credit, the best kept), cross knob-wise, mutate in log space.
      const pick = (): number => {
        const a = krng.int(K);
        const b = krng.int(K);
        return credit[b]! > credit[a]! ? b : a;
      };
      const next: MetaEvolutionKnobs[] = [bestKnobs];
      while (next.length < K) {
        const child = crossMetaKnobs(knobPop[pick()]!, knobPop[pick()]!, krng);
        next.push(mutateMetaKnobs(child, krng, km.rate, km.strength));
      }
      knobPop = next;
    }
    const meanKnob = (name: keyof MetaEvolutionKnobs) => mean(knobPop.map((k) => k[name]));
    const s = summarize(fit);
    const row: MetaGenerationRow = {
      metaGeneration: mg,
      best: best.score.metaFitness,
      mean: s.mean,
      ci95Low: s.ci95Low,
      ci95High: s.ci95High,
      bestEver: bestEver!.score.metaFitness,
      successRate,
      mutationRate: meanKnob("mutationRate"),
      mutationStrength: meanKnob("mutationStrength"),
      tournamentSize: meanKnob("tournamentSize"),
      knobSettings: knobPop.map((k) => ({ ...k })),
      knobCredit: credit.map((c) => (Number.isFinite(c) ? c : NaN)),
      bestKnobs,
      frequencies: frequencies(pop),
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    await o.onGeneration?.(row);
    if (mg === o.metaGenerations - 1) break;
    // Level 2: elites, then tournament parents, gene-wise crossover and mutation; offspring i is
    // bred with knob setting i mod K.
    const next: StrategyGenome[] = order.slice(0, elites).map((i) => pop[i]!);
    const nextParents: number[] = next.map(() => NaN);
    const nextBredBy: number[] = next.map(() => -1);
    while (next.length < S) {
      const k = (next.length - elites) % K;
      const knobs = knobPop[k]!;
      const tour = (): number => {
        let b = rng.int(S);
        for (let j = 1; j < knobs.tournamentSize; j++) {
          const q = rng.int(S);
          if (fit[q]! > fit[b]!) b = q;
        }
        return b;
      };
      const a = tour();
      const b = tour();
      const child = rng.uniform() < 0.5 ? crossGenomes(pop[a]!, pop[b]!, rng) : { ...pop[a]! };
      next.push(mutateGenome(child, rng, knobs.mutationRate, knobs.mutationStrength));
      nextParents.push(Math.max(fit[a]!, fit[b]!));
      nextBredBy.push(k);
    }
    pop = next;
    parentScores = nextParents;
    bredBy = nextBredBy;
  }
  return {
    rows,
    evaluated,
    universalBest: bestEver!,
    initialBest: initialBest!,
    population: pop,
    perTaskBest: perTaskBest.map((p) => p!),
  };
}

/** Gene groups of the attribution (each replaced together with the baseline's values). */
export const GENE_GROUPS: Readonly<Record<string, readonly (keyof StrategyGenome)[]>> = {
  selection: ["selection", "tournamentSize", "rankPressure", "truncationRatio"],
  elitism: ["elitismRatio"],
  mutation: ["mutation", "resetFraction", "lowRank"],
  mutationRate: ["mutationRate"],
  mutationStrength: ["mutationStrength"],
  crossover: ["crossover"],
  crossoverRate: ["crossoverRate"],
  fitnessSharing: ["nicheRadius"],
  diversityBonus: ["diversityBonus"],
  gradSteps: ["gradSteps"],
  lrSchedule: ["lr", "lrSchedule"],
  clipNorm: ["clipNorm"],
};

/** One attribution row: meta-fitness lost when a gene group reverts to the baseline. */
export interface AttributionRow {
  /** Name of the gene group (a key of `GENE_GROUPS`). */
  group: string;
  /** Mean over seeds of metaFitness(best) - metaFitness(best with this group from the baseline). */
  delta: Summary;
}

/**
 * Ablation-style attribution: for each gene group where `best` differs from the baseline, the
 * meta-fitness change when that group is replaced by the baseline's values, over `seeds` seeds
 * (one scoring run per seed, every variant a segment of it), with 95% CIs.
 */
export async function attributeGenes(
  backend: Backend,
  best: StrategyGenome,
  tasks: readonly MetaTask[],
  o: ScoreOptions & { seeds: number },
): Promise<{ rows: AttributionRow[]; best: Summary; baseline: Summary }> {
  const groups = Object.entries(GENE_GROUPS).filter(([, genes]) =>
    genes.some((g) => best[g] !== BASELINE_GENOME[g])
  );
  const variants: StrategyGenome[] = [best, { ...BASELINE_GENOME }];
  for (const [, genes] of groups) {
    const v: Record<string, unknown> = { ...best };
    for (const g of genes) v[g] = BASELINE_GENOME[g];
    variants.push(v as unknown as StrategyGenome);
  }
  const per: number[][] = variants.map(() => []);
  for (let k = 0; k < o.seeds; k++) {
    const sc = await scoreGenomes(backend, variants, tasks, {
      ...o,
      seed: deriveSeed(o.seed, `attribution-${k}`) >>> 0,
    });
    sc.forEach((s, i) => per[i]!.push(s.metaFitness));
  }
  return {
    rows: groups.map(([group], i) => ({
      group,
      delta: summarize(per[0]!.map((b, k) => b - per[i + 2]![k]!)),
    })),
    best: summarize(per[0]!),
    baseline: summarize(per[1]!),
  };
}

/** Per-seed results of one strategy on held-out tasks. */
export interface TransferResult {
  /** Mean meta-fitness over tasks, one per seed. */
  metaFitness: number[];
  /** Per task: final normalized fitness, one per seed. */
  final: number[][];
  /** Per task: mean normalized-fitness curve per seed. */
  curves: number[][][];
}

/** Runs each strategy on `tasks` over `seeds` seeds (same initial populations for all). */
export async function transferTest(
  backend: Backend,
  strategies: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions & { seeds: number },
): Promise<TransferResult[]> {
  const out: TransferResult[] = strategies.map(() => ({
    metaFitness: [],
    final: tasks.map(() => []),
    curves: tasks.map(() => []),
  }));
  for (let k = 0; k < o.seeds; k++) {
    const sc = await scoreGenomes(backend, strategies, tasks, {
      ...o,
      seed: deriveSeed(o.seed, `transfer-${k}`) >>> 0,
    });
    sc.forEach((s, i) => {
      out[i]!.metaFitness.push(s.metaFitness);
      s.tasks.forEach((t, ti) => {
        out[i]!.final[ti]!.push(t.final);
        out[i]!.curves[ti]!.push(t.curve);
      });
    });
  }
  return out;
}

/** strategies.json: the exported strategies. */
export interface StrategiesFile {
  /** File format version. */
  version: 1;
  /** Meta-objective weights the scores were computed with. */
  weights: MetaWeights;
  /** Names of the tasks of the task set. */
  tasks: string[];
  /** The best genome over every task and its meta-fitness. */
  universalBest: { genome: StrategyGenome; metaFitness: number };
  /** The best genome of each task and its meta-fitness on that task. */
  perTaskBest: { task: string; genome: StrategyGenome; score: number }[];
  /** The top distinct genomes by meta-fitness, with per-task meta-fitness. */
  top: { genome: StrategyGenome; metaFitness: number; perTask: Record<string, number> }[];
  /** Gene-group attribution: mean meta-fitness lost and its 95% confidence interval. */
  attribution?: { group: string; delta: number; ci95Low: number; ci95High: number }[];
}

/** Builds the strategies.json object from a meta-training result (top `k` distinct genomes). */
export function exportStrategies(
  r: MetaTrainResult,
  tasks: readonly MetaTask[],
  o: { weights?: MetaWeights; top?: number; attribution?: AttributionRow[] } = {},
): StrategiesFile {
  const seen = new Set<string>();
  const top: StrategiesFile["top"] = [];
  const sorted = [...r.evaluated].sort((a, b) => b.score.metaFitness - a.score.metaFitness);
  for (const e of sorted) {
    const key = JSON.stringify(e.genome);
    if (seen.has(key)) continue;
    seen.add(key);
    top.push({
      genome: e.genome,
      metaFitness: e.score.metaFitness,
      perTask: Object.fromEntries(tasks.map((t, i) => [t.name, e.score.tasks[i]!.metaFitness])),
    });
    if (top.length >= (o.top ?? 5)) break;
  }
  return {
    version: 1,
    weights: { ...(o.weights ?? DEFAULT_META_WEIGHTS) },
    tasks: tasks.map((t) => t.name),
    universalBest: {
      genome: r.universalBest.genome,
      metaFitness: r.universalBest.score.metaFitness,
    },
    perTaskBest: r.perTaskBest.map((e, i) => ({
      task: tasks[i]!.name,
      genome: e.genome,
      score: e.score.tasks[i]!.metaFitness,
    })),
    top,
    attribution: o.attribution?.map((a) => ({
      group: a.group,
      delta: a.delta.mean,
      ci95Low: a.delta.ci95Low,
      ci95High: a.delta.ci95High,
    })),
  };
}

/**
 * Parses strategies.json text; throws a SyntaxError for invalid JSON and TypeError/RangeError
 * naming the bad field for a malformed file or genome.
 */
export function loadStrategies(text: string): StrategiesFile {
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== "object" || raw === null) {
    throw new TypeError("Invalid strategies file: must be a JSON object");
  }
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) {
    throw new RangeError(
      `Invalid strategies file: version must be 1: current value is ${r.version}`,
    );
  }
  const ub = r.universalBest as Record<string, unknown> | undefined;
  if (!ub || typeof ub !== "object") {
    throw new TypeError("Invalid strategies file: universalBest must be an object");
  }
  if (!Array.isArray(r.top)) throw new TypeError("Invalid strategies file: top must be an array");
  if (!Array.isArray(r.perTaskBest)) {
    throw new TypeError("Invalid strategies file: perTaskBest must be an array");
  }
  return {
    version: 1,
    weights: { ...DEFAULT_META_WEIGHTS, ...(r.weights as Partial<MetaWeights> ?? {}) },
    tasks: Array.isArray(r.tasks) ? r.tasks.map(String) : [],
    universalBest: {
      genome: parseGenome(ub.genome, "universalBest.genome"),
      metaFitness: Number(ub.metaFitness),
    },
    perTaskBest: (r.perTaskBest as Record<string, unknown>[]).map((e, i) => ({
      task: String(e.task),
      genome: parseGenome(e.genome, `perTaskBest[${i}].genome`),
      score: Number(e.score),
    })),
    top: (r.top as Record<string, unknown>[]).map((e, i) => ({
      genome: parseGenome(e.genome, `top[${i}].genome`),
      metaFitness: Number(e.metaFitness),
      perTask: (e.perTask ?? {}) as Record<string, number>,
    })),
    attribution: r.attribution as StrategiesFile["attribution"],
  };
}

/** A strategy of a meta-trained or loaded engine: the task's name and its best genome. */
export interface TaskStrategy {
  /** Task name. */
  task: string;
  /** The best genome on that task. */
  genome: StrategyGenome;
}

/**
 * A small facade over `metaTrain`, `exportStrategies`, `loadStrategies` and `scoreGenomes`:
 * meta-train strategies on a task set, read the universal or per-task best, export
 * strategies.json, load it again and run base evolution with a learned strategy on a new task.
 *
 * @example Meta-train, export, load and transfer
 * ```ts ignore
 * import { CpuBackend, MetaEvolutionEngine } from "./mod.ts";
 * const backend = new CpuBackend();
 * const tasks = [{ kind: "objective", name: "sphere", objective: "sphere", dim: 4, task: 0 }];
 * const engine = new MetaEvolutionEngine(backend, tasks, {
 *   modelsPerSegment: 8, generations: 10, replicates: 1, seed: 1, metaGenerations: 3,
 * });
 * await engine.metaTrain();
 * const json = JSON.stringify(engine.export());
 * const loaded = MetaEvolutionEngine.load(json, backend);
 * const score = await loaded.evolve({
 *   kind: "objective", name: "rastrigin", objective: "rastrigin", dim: 4, task: 1,
 * });
 * console.log(loaded.universalBest(), score.final);
 * ```
 */
export class MetaEvolutionEngine {
  /** Backend the base evolution runs on. */
  readonly backend: Backend;
  /** The meta-training task set (empty for a loaded engine). */
  readonly tasks: readonly MetaTask[];
  /** Sizes of meta-training and of base evolution runs (`evolve`). */
  readonly options: MetaTrainOptions;
  #result?: MetaTrainResult;
  #file?: StrategiesFile;

  /** An engine for `tasks` on `backend`; nothing runs until `metaTrain` or `evolve`. */
  constructor(backend: Backend, tasks: readonly MetaTask[], options: MetaTrainOptions) {
    this.backend = backend;
    this.tasks = tasks;
    this.options = options;
  }

  /** Meta-trains on the task set (see `metaTrain`) and keeps the result. */
  async metaTrain(): Promise<MetaTrainResult> {
    this.#result = await metaTrain(this.backend, this.tasks, this.options);
    this.#file = undefined;
    return this.#result;
  }

  #strategies(): StrategiesFile {
    if (this.#file) return this.#file;
    if (!this.#result) {
      throw new Error("Cannot read strategies: call metaTrain() or load a strategies file first");
    }
    this.#file = exportStrategies(this.#result, this.tasks, { weights: this.options.weights });
    return this.#file;
  }

  /** The universal best genome (best mean meta-fitness over the task set). */
  universalBest(): StrategyGenome {
    return { ...this.#strategies().universalBest.genome };
  }

  /** The best genome of each meta-training task, in task-set order. */
  perTaskBest(): TaskStrategy[] {
    return this.#strategies().perTaskBest.map((e) => ({ task: e.task, genome: { ...e.genome } }));
  }

  /** The strategies.json object (see `exportStrategies`); `JSON.stringify` it to save it. */
  export(): StrategiesFile {
    return structuredClone(this.#strategies());
  }

  /**
   * An engine holding the strategies of a strategies.json text or object (validated by
   * `loadStrategies`). `backend` (default a CPU backend) and `options` (default 16 models,
   * 30 generations, 1 replicate, seed 0, no meta-generations) size `evolve`.
   */
  static load(
    json: string | StrategiesFile,
    backend: Backend = new CpuBackend(),
    options: Partial<MetaTrainOptions> = {},
  ): MetaEvolutionEngine {
    const file = loadStrategies(typeof json === "string" ? json : JSON.stringify(json));
    const engine = new MetaEvolutionEngine(backend, [], {
      modelsPerSegment: 16,
      generations: 30,
      replicates: 1,
      seed: 0,
      metaGenerations: 0,
      weights: file.weights,
      ...options,
    });
    engine.#file = file;
    return engine;
  }

  /**
   * Runs base evolution on `task` with `genome` (default the universal best), sized by the
   * engine's options, and returns its meta-objectives (normalized curve, final fitness, ...).
   */
  async evolve(task: MetaTask, genome?: StrategyGenome): Promise<TaskScore> {
    const g = genome ?? this.universalBest();
    const [score] = await scoreGenomes(this.backend, [g], [task], this.options);
    return score!.tasks[0]!;
  }
}

export {
  USER_OBJECTIVE_MAXD,
  USER_OBJECTIVE_SIGNATURE,
} from "../learners/evolution/evolution_kernels.ts";
