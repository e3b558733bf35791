/**
 * Phase 2 of the l2o experiment: tune every method's learning rate on family A by the loss area,
 * over grids of the same size (the same tuning budget for every method).
 * @module
 */
import type { Backend } from "../../learners/backend.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import type { LearnedOptimizer } from "../learned_optimizer.ts";
import { lossArea } from "../learned_optimizer_unroll.ts";
import { compare, meanOf } from "./compare.ts";
import { L2O_METHODS, type L2oConfig, type L2oMethod, type LearnedMethod } from "./config.ts";

/** A method at its tuned learning rate. */
export interface TunedMethod {
  /** The method. */
  method: L2oMethod;
  /** Its tuned learning rate. */
  lr: number;
  /** Its loss area at that rate on the tuning tasks. */
  tuneArea: number;
}

/**
 * Tunes every method (or `o.methods`) on `familyA`; returns the tuned methods and one row per
 * (method, lr).
 */
export async function tuneMethods(
  backend: Backend,
  familyA: TaskFamily,
  learned: Record<LearnedMethod, LearnedOptimizer>,
  c: L2oConfig,
  o: { seed: number; log: (line: string) => void; methods?: readonly L2oMethod[] },
): Promise<{ tuned: TunedMethod[]; tuneRows: Record<string, number | string>[] }> {
  const G = c.lrGrid.length;
  const methods = o.methods ?? L2O_METHODS;
  const grid = methods.flatMap((method) =>
    (method === "adam" ? c.adamGrid : c.lrGrid).map((lr) => ({ method, lr }))
  );
  const tune = await compare(backend, familyA, grid, learned, c, {
    tasks: c.tuneTasks,
    seed: (o.seed * 31 + 1_000_003) >>> 0,
  });
  const tuned: TunedMethod[] = [];
  const tuneRows: Record<string, number | string>[] = [];
  methods.forEach((method, mi) => {
    let best = { lr: NaN, area: Infinity };
    for (let gi = 0; gi < G; gi++) {
      const j = mi * G + gi;
      const areas = [];
      for (let t = 0; t < c.tuneTasks; t++) {
        areas.push(lossArea(tune.loss[t * grid.length + j]!, c.es.divergedLoss));
      }
      const area = meanOf(areas);
      tuneRows.push({ method, lr: grid[j]!.lr, loss_area: area });
      if (area < best.area) best = { lr: grid[j]!.lr, area };
    }
    tuned.push({ method, lr: best.lr, tuneArea: best.area });
    o.log(`tuned ${method}: lr ${best.lr} (loss area ${best.area.toFixed(4)})`);
  });
  return { tuned, tuneRows };
}
