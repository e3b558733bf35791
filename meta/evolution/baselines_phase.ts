/**
 * The baselines phase of the evolve experiment: on held-out BBOB functions (a suite the meta
 * level never saw), the evolved universal strategy and the hand-designed GA (the engine's base
 * evolution) against CMA-ES, OpenAI-ES, SNES and PGPE with their papers' defaults, at equal
 * evaluations (M x G, the GA's budget), the same seeds, the same instance per seed and the same
 * start (mean 0, step size = the tasks' init scale), all on one backend: the GA evaluates BBOB in
 * its objective kernel (task kind 5), the strategies run through `Backend.runStrategies`. Scores per
 * function group as in the LES paper (Lange et al. 2023): per (function, dimension, seed) each method's log10 best value is min-max
 * normalised over the methods (1 = best), and methods are ranked (1 = best, ties averaged).
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import { summarize, type Summary } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import { initialPoints, pointBlocks } from "../../learners/evolution/evolution_blocks.ts";
import { BASELINE_GENOME, type StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { type BbobObjective, runEvolution } from "../../learners/evolution/evolution.ts";
import { HIST, HISTORY } from "../../learners/evolution/evolution_rows.ts";
import {
  BBOB_FUNCTIONS,
  BBOB_GROUPS,
  type BbobGroup,
  type BbobInstance,
  bbobInstance,
} from "../../learners/tasks/bbob.ts";

/** The compared methods, in table order. */
export const BASELINE_METHODS = [
  "learned",
  "baseline GA",
  "cma-es",
  "openai-es",
  "snes",
  "pgpe",
] as const;

/** Sizes of the baselines phase. */
export interface BaselinesOptions {
  /** BBOB function numbers. */
  functions: readonly number[];
  /** Dimensions. */
  dims: readonly number[];
  /** Seeds (one BBOB instance each). */
  seeds: number;
  /** Root seed. */
  seed: number;
  /** GA models per segment M. */
  modelsPerSegment: number;
  /** GA generations G: the budget is M x G evaluations. */
  generations: number;
  /** Start step size (and the GA's initial spread). */
  initScale: number;
}

/** One method's best value on one (function, dimension, seed). */
export interface BaselineRun {
  /** Method. */
  method: string;
  /** BBOB function number. */
  fid: number;
  /** Its group. */
  group: BbobGroup;
  /** Dimension. */
  dim: number;
  /** Seed index. */
  seed: number;
  /** Best f - f_opt found within the budget. */
  best: number;
  /** Evaluations used. */
  evaluations: number;
}

/** Per group and method: normalised score and rank, each over seeds with a 95% CI. */
export interface GroupScore {
  /** Group. */
  group: BbobGroup;
  /** Method. */
  method: string;
  /** Mean normalised score per seed (1 = best of the compared methods). */
  score: Summary;
  /** Mean rank per seed (1 = best). */
  rank: Summary;
}

/** What the phase measured. */
export interface Baselines {
  /** Every run. */
  runs: BaselineRun[];
  /** Scores and ranks per group and method. */
  groups: GroupScore[];
  /** Budget M x G. */
  budget: number;
  /** Wall-clock seconds. */
  seconds: number;
}

/** One (function, seed) instance of the suite at one dimension. */
interface Cell {
  fid: number;
  group: BbobGroup;
  seed: number;
  inst: BbobInstance;
}

/**
 * The GA on every cell of one dimension in one run: segments 2i and 2i + 1 evolve cell i's instance
 * (a BBOB task in the objective kernel) under the learned and the hand-designed genome, from the
 * same initial population. Returns each cell's best f - f_opt per genome.
 */
async function gaBest(
  backend: Backend,
  learned: StrategyGenome,
  cells: readonly Cell[],
  o: BaselinesOptions,
): Promise<{ learned: number[]; baseline: number[] }> {
  const dim = cells[0]!.inst.dim;
  const stride = Math.ceil(dim / 4) * 4;
  const seed = deriveSeed(o.seed, `baselines-ga-${dim}`) >>> 0;
  const streams = cells.flatMap((_, i) => [i, i]);
  const init = initialPoints(streams, o.modelsPerSegment, dim, stride, {
    seed,
    initScale: o.initScale,
  });
  const objectives: BbobObjective[] = cells.map((c) => ({ kind: "bbob", dim, instance: c.inst }));
  const res = await runEvolution(
    backend,
    {
      genomes: cells.flatMap(() => [learned, { ...BASELINE_GENOME }]),
      modelsPerSegment: o.modelsPerSegment,
      generations: o.generations,
      seed,
      blocks: pointBlocks(dim, o.initScale),
    },
    { kind: "objective", objectives, segTask: streams },
    init,
  );
  const S = 2 * cells.length;
  const last = (o.generations - 1) * S * HIST;
  // Fitness is -(f - f_opt): the best-so-far fitness of each segment after the last generation.
  const best = (s: number) => -res.history[last + s * HIST + HISTORY.bestSoFar]!;
  return {
    learned: cells.map((_, i) => best(2 * i)),
    baseline: cells.map((_, i) => best(2 * i + 1)),
  };
}

/** The four black-box strategies compared with the GA. */
const STRATEGY_METHODS = ["cma-es", "openai-es", "snes", "pgpe"] as const;

/**
 * Runs every method on every (function, dimension, seed) with `backend` (its kernels or its CPU
 * twins, the same for all methods); returns runs and group scores.
 */
export async function baselinesPhase(
  backend: Backend,
  learned: StrategyGenome,
  o: BaselinesOptions,
): Promise<Baselines> {
  const t0 = performance.now();
  const budget = o.modelsPerSegment * o.generations;
  const runs: BaselineRun[] = [];
  for (const dim of o.dims) {
    const cells: Cell[] = o.functions.flatMap((fid) =>
      Array.from({ length: o.seeds }, (_, k) => ({
        fid,
        group: BBOB_FUNCTIONS[fid]!.group,
        seed: k,
        inst: bbobInstance(fid, dim, k, o.seed),
      }))
    );
    const base = (c: Cell) => ({ fid: c.fid, group: c.group, dim, seed: c.seed });
    const ga = await gaBest(backend, learned, cells, o);
    cells.forEach((c, i) => {
      runs.push({ ...base(c), method: "learned", best: ga.learned[i]!, evaluations: budget });
      runs.push({ ...base(c), method: "baseline GA", best: ga.baseline[i]!, evaluations: budget });
    });
    for (const name of STRATEGY_METHODS) {
      const r = await backend.runStrategies({
        name,
        instances: cells.map((c) => c.inst),
        maxEvals: budget,
        mean: 0,
        sigma: o.initScale,
        seed: deriveSeed(o.seed, `baselines-${name}-${dim}`) >>> 0,
      });
      cells.forEach((c, i) =>
        runs.push({ ...base(c), method: name, best: r.best[i]!, evaluations: r.evaluations })
      );
    }
  }
  return {
    runs,
    groups: groupScores(runs, o.seeds),
    budget,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** log10 of a best value, floored at 1e-8 (values below count as solved). */
function logValue(v: number): number {
  return Math.log10(Math.max(Number.isFinite(v) ? v : 1e30, 0) + 1e-8);
}

/** Per (fid, dim, seed) cell: normalised score and rank of each method. */
function cellScores(cell: BaselineRun[]): Map<string, { score: number; rank: number }> {
  const logs = cell.map((r) => logValue(r.best));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const out = new Map<string, { score: number; rank: number }>();
  cell.forEach((r, i) => {
    const li = logs[i]!;
    const below = logs.filter((v) => v < li).length;
    const ties = logs.filter((v) => v === li).length;
    out.set(r.method, { score: hi > lo ? (hi - li) / (hi - lo) : 1, rank: below + (ties + 1) / 2 });
  });
  return out;
}

/** Group scores: per seed, the mean over the group's (function, dimension) cells; then over seeds. */
export function groupScores(runs: readonly BaselineRun[], seeds: number): GroupScore[] {
  const cells = new Map<string, BaselineRun[]>();
  for (const r of runs) {
    const key = `${r.fid}|${r.dim}|${r.seed}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key)!.push(r);
  }
  // acc[group][method][seed] = list of (score, rank) over cells
  const acc = new Map<string, { score: number[]; rank: number[] }[]>();
  for (const cell of cells.values()) {
    const { group, seed } = cell[0]!;
    for (const [method, v] of cellScores(cell)) {
      const key = `${group}|${method}`;
      if (!acc.has(key)) {
        acc.set(key, Array.from({ length: seeds }, () => ({ score: [], rank: [] })));
      }
      acc.get(key)![seed]!.score.push(v.score);
      acc.get(key)![seed]!.rank.push(v.rank);
    }
  }
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const out: GroupScore[] = [];
  for (const group of BBOB_GROUPS) {
    for (const method of BASELINE_METHODS) {
      const per = acc.get(`${group}|${method}`);
      if (!per) continue;
      const used = per.filter((p) => p.score.length > 0);
      out.push({
        group,
        method,
        score: summarize(used.map((p) => avg(p.score))),
        rank: summarize(used.map((p) => avg(p.rank))),
      });
    }
  }
  return out;
}
