/**
 * The evolve report's Pareto part: the front of every evaluated genome over the six
 * meta-objectives (a table and a final-vs-convergence plot), whichever selection the meta level
 * used.
 * @module
 */
import type { ExperimentResult } from "../../core/experiment.ts";
import type { MetaTrainResult } from "./meta_train.ts";
import { PARETO_OBJECTIVES, paretoFront } from "./pareto.ts";

/** `result` with the Pareto front's table and plot added (unchanged when nothing was trained). */
export function addParetoFront(
  result: ExperimentResult,
  trained: MetaTrainResult | undefined,
  selection: string,
): ExperimentResult {
  if (!trained) return result;
  const front = paretoFront(trained.evaluated);
  const rows = front.map((e, i) => ({
    genome: i,
    ...Object.fromEntries(PARETO_OBJECTIVES.map((k) => [k, e.objectives[k]])),
    meta_fitness: e.metaFitness,
    selection: e.genome.selection,
    mutation: e.genome.mutation,
    crossover: e.genome.crossover,
  }));
  return {
    ...result,
    tables: [...(result.tables ?? []), {
      title:
        `Pareto front of the evaluated genomes over the six meta-objectives (meta-level selection: ${selection}; ${front.length} of ${trained.evaluated.length})`,
      rows,
    }],
    plots: {
      ...result.plots,
      pareto_front: {
        kind: "xy",
        title: "Pareto front: final fitness vs convergence speed (means over training tasks)",
        xLabel: "convergence",
        yLabel: "final normalized fitness",
        series: [{
          name: "front",
          mode: "points",
          x: front.map((e) => e.objectives.convergence),
          y: front.map((e) => e.objectives.final),
        }],
      },
    },
  };
}
