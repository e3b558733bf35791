/**
 * CPU twins of the evolution fitness kernels (shaders/evolve_objective.wgsl,
 * shaders/evolve_neural_fitness.wgsl), re-exported by evolution_cpu.ts.
 * @module
 */
import type { EvolveArrays, EvolveDims } from "./evolution_arrays.ts";
import { finite, markInactive } from "./_evolution_cpu_common.ts";
import { BBOB_OBJECTIVE_KIND, EVOLVE_ROW, TASK, USER_OBJECTIVE_KIND } from "./evolution_rows.ts";
import { type BbobInstance, bbobValue } from "../tasks/bbob.ts";
import { isQuarantined, METRIC, METRIC_STRIDE } from "../metrics_row.ts";

/** The BBOB instance stored at `offset` of a task table (fid, x_opt, R, Q; the f32 values). */
function bbobFromTable(t4: Float32Array, offset: number, dim: number): BbobInstance {
  const at = (from: number, n: number) => Float64Array.from(t4.subarray(from, from + n));
  return {
    fid: t4[offset]!,
    dim,
    xopt: at(offset + 1, dim),
    R: at(offset + 1 + dim, dim * dim),
    Q: at(offset + 1 + dim + dim * dim, dim * dim),
  };
}

/**
 * Twin of evolve_objective.wgsl; `user` is the CPU twin of a user objective (task kind 4), given
 * the point's first `dim` coordinates.
 */
export function objectiveFitnessCpu(
  d: EvolveDims,
  a: EvolveArrays,
  user?: (x: Float32Array, dim: number) => number,
): void {
  const t4 = a.tasks;
  const bbob = new Map<number, BbobInstance>();
  for (let p = 0; p < d.P; p++) {
    if (markInactive(d, a, p)) continue;
    const t = a.segTask[Math.floor(p / d.M)]!;
    const kind = t4[t * EVOLVE_ROW + TASK.kind]!;
    const dim = t4[t * EVOLVE_ROW + TASK.dim]!;
    const oo = t4[t * EVOLVE_ROW + TASK.optimum]!;
    const ro = t4[t * EVOLVE_ROW + TASK.rotation]!;
    const x0 = p * d.stride;
    const z = (i: number): number => {
      let acc = 0;
      for (let j = 0; j < dim; j++) {
        acc += t4[ro + i * dim + j]! * (a.params[x0 + j]! - t4[oo + j]!);
      }
      return acc;
    };
    let f = 0;
    if (kind === BBOB_OBJECTIVE_KIND) {
      if (!bbob.has(oo)) bbob.set(oo, bbobFromTable(t4, oo, dim));
      f = bbobValue(bbob.get(oo)!, a.params.subarray(x0, x0 + dim));
    } else if (kind === USER_OBJECTIVE_KIND) {
      if (!user) {
        throw new TypeError("Cannot evaluate a user objective on the CPU without its CPU twin");
      }
      f = user(a.params.slice(x0, x0 + dim), dim);
    } else if (kind === 2) {
      if (dim === 1) {
        const v = z(0);
        f = v * v;
      } else {
        let v = z(0);
        for (let i = 0; i + 1 < dim; i++) {
          const w2 = z(i + 1);
          const w = w2 - 2 * v - v * v;
          f += 100 * w * w + v * v;
          v = w2;
        }
      }
    } else {
      let sq = 0;
      let sn = 0;
      for (let i = 0; i < dim; i++) {
        const v = z(i);
        const sp = Math.sin(Math.PI * v);
        sq += v * v;
        sn += sp * sp;
      }
      if (kind === 0) f = sq;
      else if (kind === 1) f = sq + 20 * sn;
      else {
        f = 20 * (1 - Math.exp(-0.2 * Math.sqrt(sq / dim))) +
          Math.E * (1 - Math.exp((-2 * sn) / dim));
      }
    }
    a.fitness[p] = -f;
    a.flags[p] = finite(f) ? 0 : 1;
  }
}

/** Twin of evolve_neural_fitness.wgsl. */
export function neuralFitnessCpu(d: EvolveDims, a: EvolveArrays): void {
  for (let p = 0; p < d.P; p++) {
    if (markInactive(d, a, p)) continue;
    const loss = a.metrics[METRIC_STRIDE * p + METRIC.loss]!;
    a.fitness[p] = -loss;
    a.flags[p] = isQuarantined(a.metrics, p) || !finite(loss) ? 1 : 0;
  }
}
