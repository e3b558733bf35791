// Registered strategies through MetaEvolutionEngine.runStrategy on an objective, a user objective
// (CPU twin) and a user's data set (an MLP's parameters as the search vector).
import { equal, ok } from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { MetaEvolutionEngine } from "../../../meta/evolution/engine.ts";

const engine = new MetaEvolutionEngine(new CpuBackend(), [], {
  modelsPerSegment: 8,
  generations: 5,
  replicates: 1,
  seed: 0,
  metaGenerations: 0,
});

Deno.test("MetaEvolutionEngine.runStrategy() runs CMA-ES on a built-in objective within the budget", async () => {
  const task = {
    kind: "objective" as const,
    name: "s",
    objective: "sphere" as const,
    dim: 6,
    task: 1,
  };
  const r = await engine.runStrategy("cma-es", task, { maxEvals: 1500, seed: 2 });
  ok(r.evaluations <= 1500 && r.evaluations > 1400);
  equal(r.curve.length, r.evaluations / 9);
  ok(r.curve.at(-1)! < 1e-4 * r.curve[0]!, `${r.curve[0]} -> ${r.curve.at(-1)}`);
});

Deno.test("MetaEvolutionEngine.runStrategy() runs SNES on a user objective through its CPU twin", async () => {
  const task = {
    kind: "user_objective" as const,
    name: "shifted",
    dim: 4,
    wgsl:
      "var s = 0.0; for (var i = 0u; i < d; i++) { s += (x[i] - 1.0) * (x[i] - 1.0); } return s;",
    cpu: (x: Float32Array) => x.reduce((s, v) => s + (v - 1) ** 2, 0),
  };
  const r = await engine.runStrategy("snes", task, { maxEvals: 2000, seed: 1 });
  ok(r.best < 1e-4, `${r.best}`);
  for (const v of r.bestX) ok(Math.abs(v - 1) < 0.02);
});

Deno.test("MetaEvolutionEngine.runStrategy() fits an MLP to a user's data set with PGPE", async () => {
  // Two well-separated classes in 2-D.
  const x = new Float32Array([0, 0, 0.2, 0.1, 0.1, 0.3, 1, 1, 0.9, 0.8, 0.8, 1.1]);
  const y = new Float32Array([0, 0, 0, 1, 1, 1]);
  const task = { kind: "dataset" as const, name: "two", x, y, inputs: 2, classes: 2, hidden: 4 };
  const r = await engine.runStrategy("pgpe", task, { maxEvals: 1600, seed: 3 });
  ok(r.curve.at(-1)! < 0.5 * r.curve[0]!, `loss ${r.curve[0]} -> ${r.curve.at(-1)}`);
});
