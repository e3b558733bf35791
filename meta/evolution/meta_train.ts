/**
 * Levels 2 and 3: meta-training of strategy genomes. Level 2 selects (tournament), crosses
 * (gene-wise) and mutates genomes by meta-fitness; level 3 evolves a small population of
 * meta-knob settings by the meta-fitness improvement their offspring produced.
 * @module
 */
import { deriveSeed, Rng, type RngState } from "../../core/rng.ts";
import { mean, summarize } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import {
  BASELINE_GENOME,
  crossGenomes,
  mutateGenome,
  randomGenome,
  type StrategyGenome,
} from "../../learners/evolution/evolution_genome.ts";
import { crossMetaKnobs, type MetaEvolutionKnobs, mutateMetaKnobs } from "./meta_knobs.ts";
import type { GenomeScore } from "./meta_objectives.ts";
import { type Bests, recordScores } from "./record_scores.ts";
export type { Bests } from "./record_scores.ts";
import type { MetaTask } from "./meta_task.ts";
import {
  addRunStats,
  emptyRunStats,
  type RunStats,
  scoreGenomes,
  type ScoreOptions,
} from "./score_genomes.ts";

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
  /**
   * Called after each meta-generation but the last, with the state that continues the run exactly
   * (save it in a checkpoint; JSON with non-finite numbers, see core/exact_json.ts).
   */
  onCheckpoint?: (state: MetaTrainState) => void | Promise<void>;
  /** Continue from a state given to `onCheckpoint` (same tasks and options): same result. */
  resume?: MetaTrainState;
  /**
   * Selection key of the meta level: "weighted" (default, the weighted sum of the six
   * meta-objectives) or "pareto" (NSGA-II front and crowding over them, `paretoKeys`); the
   * universal best is the weighted-sum best either way.
   */
  metaSelection?: "weighted" | "pareto";
}

/** Where a meta-training run stands between two meta-generations. */
export interface MetaTrainState {
  /** The next meta-generation. */
  next: number;
  /** The meta-population to score next. */
  pop: StrategyGenome[];
  /** The level-3 bookkeeping of that population. */
  level3: Level3;
  /** Rows so far. */
  rows: MetaGenerationRow[];
  /** Genomes scored so far. */
  evaluated: ScoredGenome[];
  /** Bests so far. */
  bests: Bests;
  /** Statistics so far. */
  stats: RunStats;
  /** The level-2 random generator. */
  rng: RngState;
  /** The level-3 random generator. */
  krng: RngState;
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
  /** Statistics of every base-evolution run made. */
  stats: RunStats;
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

/** The level-3 state: knob settings, which setting bred each member, and the members' parents. */
export interface Level3 {
  /** The knob-setting population. */
  knobPop: MetaEvolutionKnobs[];
  /** Better parent's meta-fitness of each member (NaN: elite or initial). */
  parentScores: number[];
  /** Which knob setting bred each member (-1: elite or initial). */
  bredBy: number[];
}

/** Level 3 fitness: each knob setting's mean improvement of its offspring over the better parent. */
function knobCredit(s: Level3, fit: readonly number[]): {
  credit: number[];
  successRate: number;
  bestK: number;
} {
  let succ = 0;
  let den = 0;
  const gain = s.knobPop.map(() => 0);
  const count = s.knobPop.map(() => 0);
  s.parentScores.forEach((ps, i) => {
    if (Number.isNaN(ps)) return;
    den++;
    if (fit[i]! > ps) succ++;
    const k = s.bredBy[i]!;
    if (k >= 0) {
      gain[k]! += fit[i]! - ps;
      count[k]!++;
    }
  });
  const credit = gain.map((g, k) => (count[k]! > 0 ? g / count[k]! : -Infinity));
  let bestK = 0;
  credit.forEach((c, k) => {
    if (c > credit[bestK]!) bestK = k;
  });
  return { credit, successRate: den > 0 ? succ / den : 0, bestK };
}

/** Select (tournament of 2 on credit, the best kept), cross knob-wise, mutate in log space. */
function breedKnobs(
  knobPop: readonly MetaEvolutionKnobs[],
  credit: readonly number[],
  best: MetaEvolutionKnobs,
  krng: Rng,
  km: { rate: number; strength: number },
): MetaEvolutionKnobs[] {
  const K = knobPop.length;
  const pick = (): number => {
    const a = krng.int(K);
    const b = krng.int(K);
    return credit[b]! > credit[a]! ? b : a;
  };
  const next: MetaEvolutionKnobs[] = [best];
  while (next.length < K) {
    const child = crossMetaKnobs(knobPop[pick()]!, knobPop[pick()]!, krng);
    next.push(mutateMetaKnobs(child, krng, km.rate, km.strength));
  }
  return next;
}

/**
 * Level 2: elites, then tournament parents, gene-wise crossover and mutation; offspring i is
 * bred with knob setting i mod K. Returns the next population and its level-3 bookkeeping.
 */
function breedGenomes(
  pop: readonly StrategyGenome[],
  fit: readonly number[],
  order: readonly number[],
  elites: number,
  knobPop: MetaEvolutionKnobs[],
  rng: Rng,
): { pop: StrategyGenome[]; level3: Level3 } {
  const S = pop.length;
  const K = knobPop.length;
  const next: StrategyGenome[] = order.slice(0, elites).map((i) => pop[i]!);
  const parentScores: number[] = next.map(() => NaN);
  const bredBy: number[] = next.map(() => -1);
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
    parentScores.push(Math.max(fit[a]!, fit[b]!));
    bredBy.push(k);
  }
  return { pop: next, level3: { knobPop, parentScores, bredBy } };
}

/** One meta-generation's log row. */
function generationRow(
  mg: number,
  pop: readonly StrategyGenome[],
  fit: readonly number[],
  best: ScoredGenome,
  bests: Bests,
  level: { knobPop: MetaEvolutionKnobs[]; credit: number[]; successRate: number },
  bestKnobs: MetaEvolutionKnobs,
  t0: number,
): MetaGenerationRow {
  const meanKnob = (name: keyof MetaEvolutionKnobs) => mean(level.knobPop.map((k) => k[name]));
  const s = summarize(fit);
  return {
    metaGeneration: mg,
    best: best.score.metaFitness,
    mean: s.mean,
    ci95Low: s.ci95Low,
    ci95High: s.ci95High,
    bestEver: bests.ever!.score.metaFitness,
    successRate: level.successRate,
    mutationRate: meanKnob("mutationRate"),
    mutationStrength: meanKnob("mutationStrength"),
    tournamentSize: meanKnob("tournamentSize"),
    knobSettings: level.knobPop.map((k) => ({ ...k })),
    knobCredit: level.credit.map((c) => (Number.isFinite(c) ? c : NaN)),
    bestKnobs,
    frequencies: frequencies(pop),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The initial level-3 population: `start`, then settings perturbed from it. */
function initialKnobs(o: MetaTrainOptions, K: number, krng: Rng): MetaEvolutionKnobs[] {
  const start: MetaEvolutionKnobs = {
    mutationRate: o.knobs?.mutationRate ?? 0.3,
    mutationStrength: o.knobs?.mutationStrength ?? 0.5,
    tournamentSize: o.knobs?.tournamentSize ?? 3,
  };
  const km = o.knobMutation ?? { rate: 0.7, strength: 0.4 };
  const knobPop: MetaEvolutionKnobs[] = [start];
  while (knobPop.length < K) knobPop.push(mutateMetaKnobs(start, krng, 1, km.strength));
  return knobPop;
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
  let rng = new Rng(deriveSeed(o.seed, "meta"), 1);
  let krng = new Rng(deriveSeed(o.seed, "meta-knobs"), 1);
  const adapt = o.adaptKnobs ?? true;
  const K = adapt ? Math.max(1, o.knobPopulation ?? 4) : 1;
  const km = o.knobMutation ?? { rate: 0.7, strength: 0.4 };
  const elites = Math.min(S - 1, o.metaElites ?? 2);
  let pop: StrategyGenome[] = [];
  if (o.includeBaseline ?? true) pop.push({ ...BASELINE_GENOME });
  while (pop.length < S) pop.push(randomGenome(rng));
  const knobPop = initialKnobs(o, K, krng);
  let level3: Level3 = { knobPop, parentScores: pop.map(() => NaN), bredBy: pop.map(() => -1) };
  let rows: MetaGenerationRow[] = [];
  let evaluated: ScoredGenome[] = [];
  let bests: Bests = { perTask: tasks.map(() => undefined) };
  let stats = emptyRunStats();
  let start = 0;
  if (o.resume) {
    ({ pop, level3, rows, evaluated, bests, stats } = structuredClone(o.resume));
    rng = Rng.fromState(o.resume.rng);
    krng = Rng.fromState(o.resume.krng);
    start = o.resume.next;
  }
  for (let mg = start; mg < o.metaGenerations; mg++) {
    const t0 = performance.now();
    const scored = await scoreGenomes(backend, pop, tasks, {
      ...o,
      seed: deriveSeed(o.seed, `meta-gen-${mg}`) >>> 0,
    });
    addRunStats(stats, scored.stats);
    const { fit, order, best } = recordScores(
      pop,
      scored.scores,
      mg,
      evaluated,
      bests,
      o.metaSelection === "pareto",
    );
    const { credit, successRate, bestK } = knobCredit(level3, fit);
    const bestKnobs = { ...level3.knobPop[bestK]! };
    let knobs = level3.knobPop;
    if (adapt && mg > 0 && K > 1) knobs = breedKnobs(knobs, credit, bestKnobs, krng, km);
    const level = { knobPop: knobs, credit, successRate };
    const row = generationRow(mg, pop, fit, best, bests, level, bestKnobs, t0);
    rows.push(row);
    await o.onGeneration?.(row);
    if (mg === o.metaGenerations - 1) break;
    ({ pop, level3 } = breedGenomes(pop, fit, order, elites, knobs, rng));
    const state = { next: mg + 1, pop, level3, rows, evaluated, bests, stats };
    await o.onCheckpoint?.({ ...state, rng: rng.state(), krng: krng.state() });
  }
  return {
    rows,
    evaluated,
    universalBest: bests.ever!,
    initialBest: bests.initial!,
    population: pop,
    perTaskBest: bests.perTask.map((p) => p!),
    stats,
  };
}
