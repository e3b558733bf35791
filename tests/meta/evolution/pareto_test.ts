// NSGA-II pieces of the Pareto meta-fitness: fronts, crowding, the scalar key, and metaTrain with it.
import { deepEqual, equal, ok } from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { metaTrain } from "../../../meta/evolution/meta_train.ts";
import {
  crowdingDistances,
  dominates,
  frontRanks,
  paretoFront,
  paretoKeys,
} from "../../../meta/evolution/pareto.ts";

const P = [[1, 0], [0, 1], [0.5, 0.5], [0.4, 0.4], [0.2, 0.2], [0.6, 0.1]];

Deno.test("frontRanks() peels non-dominated fronts (maximising)", () => {
  ok(dominates([0.5, 0.5], [0.4, 0.4]));
  ok(!dominates([1, 0], [0, 1]));
  // Front 0: (1,0), (0,1), (0.5,0.5), (0.6,0.1); then (0.4,0.4); then (0.2,0.2).
  deepEqual(frontRanks(P), [0, 0, 0, 1, 2, 0]);
});

Deno.test("crowdingDistances() gives boundary points infinity and interior points the side sums", () => {
  const d = crowdingDistances(P, frontRanks(P));
  equal(d[0], Infinity);
  equal(d[1], Infinity);
  // (0.5, 0.5): neighbours 0 and 0.6 on objective 0, 0.1 and 1 on objective 1: 0.6 + 0.9.
  ok(Math.abs(d[2]! - 1.5) < 1e-12);
  // (0.6, 0.1): 0.5 and 1 on objective 0, 0 and 0.5 on objective 1: 0.5 + 0.5.
  ok(Math.abs(d[5]! - 1) < 1e-12);
});

Deno.test("paretoKeys() orders by front, then by crowding", () => {
  const k = paretoKeys(P);
  ok(k[0]! > k[3]! && k[2]! > k[3]! && k[3]! > k[4]!);
  ok(k[0]! > k[2]! && k[2]! > k[5]!); // within front 0: infinite crowding, then 1.5, then 1
});

Deno.test("metaTrain() with metaSelection pareto runs and its front is non-dominated", async () => {
  const tasks = [{
    kind: "objective" as const,
    name: "s",
    objective: "sphere" as const,
    dim: 4,
    task: 0,
  }];
  const r = await metaTrain(new CpuBackend(), tasks, {
    modelsPerSegment: 6,
    generations: 5,
    replicates: 1,
    seed: 2,
    populationSize: 6,
    metaGenerations: 2,
    metaSelection: "pareto",
  });
  equal(r.rows.length, 2);
  const front = paretoFront(r.evaluated);
  ok(front.length >= 1);
  const vec = (e: (typeof front)[number]) => Object.values(e.objectives);
  for (const a of front) for (const b of front) ok(!dominates(vec(a), vec(b)));
});
