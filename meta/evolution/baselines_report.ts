/**
 * The evolve report's baselines part: ranks and normalised scores per BBOB group with 95% CIs
 * (one table each, one rank plot), and the learned genome next to the baselines' settings.
 * @module
 */
import type { ExperimentResult } from "../../core/experiment.ts";
import { formatCi as fmt } from "../../core/format.ts";
import { BASELINE_GENOME, type StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { getStrategy } from "../../learners/strategies/registry.ts";
import { BBOB_FUNCTIONS, BBOB_GROUPS } from "../../learners/tasks/bbob.ts";
import { BASELINE_METHODS, type Baselines, type GroupScore } from "./baselines_phase.ts";

/** The report's tables. */
export type ReportTables = NonNullable<ExperimentResult["tables"]>;
/** The report's plots by file name. */
export type ReportPlots = NonNullable<ExperimentResult["plots"]>;

function byMethod(b: Baselines, pick: (g: GroupScore) => string): ReportTables[number]["rows"] {
  return BASELINE_METHODS.map((method) => {
    const row: Record<string, string> = { method };
    for (const group of BBOB_GROUPS) {
      const g = b.groups.find((x) => x.group === group && x.method === method);
      if (g) row[group] = pick(g);
    }
    return row;
  });
}

/** Settings of every compared method: the two genomes and the strategies' paper defaults. */
function settingsRows(learned: StrategyGenome, dim: number): ReportTables[number]["rows"] {
  const text = (o: object) =>
    Object.entries(o).map(([k, v]) => `${k}=${typeof v === "number" ? +v.toPrecision(4) : v}`)
      .join(" ");
  const rows = [
    { method: "learned", settings: text(learned) },
    { method: "baseline GA", settings: text(BASELINE_GENOME) },
  ];
  for (const name of ["cma-es", "openai-es", "snes", "pgpe"]) {
    const s = getStrategy(name);
    const popSize = s.defaultPopSize(dim);
    rows.push({
      method: name,
      settings: text({ popSize, ...s.defaultParams({ instances: 1, dim, popSize }) }),
    });
  }
  return rows;
}

/** The baselines tables. */
export function baselinesTables(
  b: Baselines,
  learned: StrategyGenome,
  seeds: number,
  dims: readonly number[],
): ReportTables {
  const fns = [...new Set(b.runs.map((r) => r.fid))];
  const suite = fns.map((f) => `f${f} ${BBOB_FUNCTIONS[f]!.name}`).join(", ");
  return [{
    title:
      `Held-out BBOB suite: mean rank per group, 1 = best of 6 (${seeds} seeds, 95% CI; ${b.budget} evaluations each; D in {${
        dims.join(", ")
      }}; ${suite})`,
    rows: byMethod(b, (g) => fmt(g.rank)),
  }, {
    title:
      `Held-out BBOB suite: normalised score per group, 1 = best of the 6 methods on every function (${seeds} seeds, 95% CI)`,
    rows: byMethod(b, (g) => fmt(g.score)),
  }, {
    title:
      `Settings compared: the learned genome, the hand-designed GA and the strategies' paper defaults (at D = ${
        dims[0]
      })`,
    rows: settingsRows(learned, dims[0]!),
  }];
}

/** The rank plot: one curve per method over the groups, with its 95% CI band. */
export function baselinesPlots(b: Baselines): ReportPlots {
  const groups = BBOB_GROUPS.filter((g) => b.groups.some((x) => x.group === g));
  return {
    baselines_rank: {
      kind: "curves",
      title: "Held-out BBOB: mean rank of 6 per group (1 = best; 95% CI band over seeds)",
      xLabel: `group: ${groups.map((g, i) => `${i + 1} ${g}`).join(", ")}`,
      yLabel: "mean rank",
      width: 900,
      series: BASELINE_METHODS.map((method) => {
        const rows = groups.map((g) => b.groups.find((x) => x.group === g && x.method === method)!);
        return {
          name: method,
          x: groups.map((_, i) => i + 1),
          mean: rows.map((r) => r.rank.mean),
          low: rows.map((r) => r.rank.ci95Low),
          high: rows.map((r) => r.rank.ci95High),
        };
      }),
    },
  };
}

/** Summary fields: the learned strategy's mean rank per group. */
export function baselinesSummary(b: Baselines): Record<string, number> {
  const out: Record<string, number> = { baselines_budget: b.budget, baselines_seconds: b.seconds };
  for (const g of b.groups) {
    if (g.method === "learned") out[`learned_rank_${g.group.replace("-", "_")}`] = g.rank.mean;
  }
  return out;
}

/** The "Baselines" method section. */
export function baselinesMethod(b: Baselines, seeds: number): string {
  return `Held-out BBOB functions (Hansen et al. 2009; f_opt = 0, a new x_opt and rotations per ` +
    `seed) that the meta level never saw. Every method gets ${b.budget} evaluations (the GA's ` +
    `models per segment x generations; the strategies run whole generations within it), starts ` +
    `at mean 0 with step size 2 (the GA: initial points N(0, 2^2), both genomes from the same ` +
    `population), and runs on the same instance for each of ${seeds} seeds. CMA-ES, OpenAI-ES, ` +
    `SNES and PGPE use their papers' defaults (population sizes included). All methods run on ` +
    `the run's backend (the GA in its objective kernel, the strategies through ` +
    `Backend.runStrategies). A GA genome whose populationSize gene is below the models per ` +
    `segment evaluates only its active models, so it uses fewer evaluations than the budget. ` +
    `Per (function, dimension, seed), log10(best f - f_opt + 1e-8) is min-max ` +
    `normalised over the six methods (1 = best) and the methods are ranked (1 = best, ties ` +
    `averaged); a group's value per seed is the mean over its functions and dimensions, and the ` +
    `CIs are over seeds.`;
}

/** `result` with the baselines' summary fields, tables, plot and method section added. */
export function addBaselines(
  result: ExperimentResult,
  b: Baselines | undefined,
  learned: StrategyGenome,
  c: { seeds: number; bbobDims: readonly number[] },
): ExperimentResult {
  if (!b) return result;
  return {
    ...result,
    summary: { ...result.summary, ...baselinesSummary(b) },
    tables: [...(result.tables ?? []), ...baselinesTables(b, learned, c.seeds, c.bbobDims)],
    plots: { ...result.plots, ...baselinesPlots(b) },
    sections: [
      ...(result.sections ?? []),
      { title: "Baselines on held-out BBOB", body: baselinesMethod(b, c.seeds) },
    ],
  };
}
