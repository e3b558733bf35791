// The iteration budget of user WGSL objectives (learners/evolution/user_loop_budget.ts): the
// rewrite puts a counter in every loop on the same lines; on the GPU a loop that runs away (or
// past lavapipe's silent cap of 65,535 iterations) flags its model invalid and counts it in
// overBudget and in the history's diverged, while a normal objective's run is unchanged.
import assert from "node:assert/strict";
import {
  initialPoints,
  pointBlocks,
  runEvolution,
  type UserObjective,
} from "../../../learners/evolution/evolution.ts";
import { HIST, HISTORY } from "../../../learners/evolution/evolution_rows.ts";
import {
  budgetUserLoops,
  USER_LOOP_LIMIT,
  USER_SOFTWARE_TOTAL_LIMIT,
} from "../../../learners/evolution/user_loop_budget.ts";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { gpuTest } from "../../helpers.ts";

Deno.test("budgetUserLoops() counts every for, while and loop on the same lines, comments untouched", () => {
  const body = [
    "var s = 0.0; // for (;;) { in a comment",
    "for (var i = 0u; i < d; i++) {",
    "  var j = 0u;",
    "  while (j < min(d, 3u)) { j++; s += (*x)[i]; }",
    "}",
    "/* loop { nested /* comment */ } */ loop { if (s > 1.0) { break; } s += 1.0; }",
    "let before_loop = s; return before_loop;",
  ].join("\n");
  const out = budgetUserLoops(body);
  assert.equal(out.split("\n").length, body.split("\n").length);
  const lines = out.split("\n");
  assert.equal(lines[0], body.split("\n")[0]);
  assert.equal(
    lines[1],
    "var metaforge_loop_0 = 0u; metaforge_iterations += 1u; for (var i = 0u; i < d; i++) { metaforge_loop_0++; if (metaforge_tick(metaforge_loop_0)) { break; }",
  );
  assert.match(
    lines[3]!,
    /var metaforge_loop_1 = 0u; metaforge_iterations \+= 1u; while \(j < min\(d, 3u\)\) \{ metaforge_loop_1\+\+; if \(metaforge_tick\(metaforge_loop_1\)\) \{ break; \} j\+\+;/,
  );
  assert.match(
    lines[5]!,
    /^\/\* loop \{ nested \/\* comment \*\/ \} \*\/ var metaforge_loop_2 = 0u; metaforge_iterations \+= 1u; loop \{ metaforge_loop_2\+\+;/,
  );
  assert.equal(lines[6], body.split("\n")[6], "identifiers containing loop are left alone");
  assert.equal(budgetUserLoops("return (*x)[0];"), "return (*x)[0];");
});

/** One GA run of `user` on the GPU: 3 segments of 7 models, D = 4, 5 generations. */
async function runUser(backend: GpuBackend, user: UserObjective) {
  const segTask = [0, 0, 0];
  const spec = {
    genomes: segTask.map(() => ({ ...BASELINE_GENOME })),
    modelsPerSegment: 7,
    generations: 5,
    seed: 4,
    blocks: pointBlocks(4, 2),
  };
  const init = initialPoints(segTask, 7, 4, 4, { seed: 4, initScale: 2 });
  return await runEvolution(
    backend,
    spec,
    { kind: "objective", objectives: [user], segTask },
    init,
  );
}

const SPHERE = "var s = 0.0;\nfor (var i = 0u; i < d; i++) { s += (*x)[i] * (*x)[i]; }\nreturn s;";
const SPHERE_NO_LOOP =
  "return (*x)[0] * (*x)[0] + (*x)[1] * (*x)[1] + (*x)[2] * (*x)[2] + (*x)[3] * (*x)[3];";

gpuTest(
  "a user objective whose loop runs away is quarantined and counted; a normal one is unchanged",
  async (ctx) => {
    const backend = await GpuBackend.create(ctx);
    const user = (name: string, body: string): UserObjective => ({
      kind: "user",
      dim: 4,
      body,
      file: name,
    });
    // A normal objective: the budget changes nothing (same history as the same sphere with no loop).
    const normal = await runUser(backend, user("sphere.wgsl", SPHERE));
    const plain = await runUser(backend, user("sphere_no_loop.wgsl", SPHERE_NO_LOOP));
    assert.equal(normal.overBudget, 0);
    assert.deepEqual(Array.from(normal.history), Array.from(plain.history));
    // A loop that never ends, and one that ends only past lavapipe's cap (a wrong value before).
    for (
      const body of [
        "var s = 0.0;\nloop { s += (*x)[0]; }",
        `var i = 0u;\nwhile (i < ${USER_LOOP_LIMIT + 5000}u) { i++; }\nreturn (*x)[0] * (*x)[0];`,
      ]
    ) {
      const r = await runUser(backend, user("runaway.wgsl", body));
      assert.equal(r.overBudget, 5 * 21, body);
      for (let g = 0; g < 5; g++) {
        for (let s = 0; s < 3; s++) {
          assert.equal(r.history[(g * 3 + s) * HIST + HISTORY.diverged], 7, `gen ${g} seg ${s}`);
        }
      }
    }
  },
);

// Lavapipe's cap counts all loops of an invocation together: two loops of 40,000 iterations (each
// under USER_LOOP_LIMIT, together under USER_TOTAL_LIMIT) ran 40,000 and 25,534 there, and the
// objective returned a wrong fitness unflagged. On a software adapter the total is now capped at
// USER_SOFTWARE_TOTAL_LIMIT, so such a body is flagged; elsewhere it runs to the end.
const TWO_LOOPS = [
  "var n = 0u;",
  "for (var i = 0u; i < 40000u; i++) { n++; }",
  "for (var j = 0u; j < 40000u; j++) { n++; }",
  "return (*x)[0] * (*x)[0] + f32(80000u - n);",
].join("\n");

gpuTest(
  "a user objective whose loops together pass lavapipe's cap is flagged on a software adapter",
  async (ctx) => {
    assert.ok(USER_SOFTWARE_TOTAL_LIMIT < 65_535 && 80_000 > USER_SOFTWARE_TOTAL_LIMIT);
    const backend = await GpuBackend.create(ctx);
    const r = await runUser(backend, { kind: "user", dim: 4, body: TWO_LOOPS, file: "two.wgsl" });
    assert.equal(r.overBudget, ctx.software ? 5 * 21 : 0);
  },
);

// Lavapipe's cap also counts every loop's exit test: an outer loop of 40,000 iterations around an
// inner loop that runs 0 times used 40,000 of the budget's iterations by the ticks alone, and
// lavapipe stopped it near 32,700 with a wrong fitness, unflagged (2026-12-03). Each loop's entry
// now counts one iteration, so the body is flagged on a software adapter.
const EMPTY_INNER = [
  "var n = 0u;",
  "for (var i = 0u; i < 40000u; i++) { n++; for (var j = 0u; j < n * 0u; j++) { n++; } }",
  "return (*x)[0] * (*x)[0] + f32(40000u - n);",
].join("\n");

gpuTest(
  "a user objective whose loops' exit tests pass lavapipe's cap is flagged on a software adapter",
  async (ctx) => {
    // The outer loop's 40,000 ticks fit the budget alone; with the inner loop's 40,000 entries
    // counted they pass it.
    assert.ok(40_000 < USER_SOFTWARE_TOTAL_LIMIT && 40_000 + 40_000 > USER_SOFTWARE_TOTAL_LIMIT);
    const backend = await GpuBackend.create(ctx);
    const r = await runUser(backend, {
      kind: "user",
      dim: 4,
      body: EMPTY_INNER,
      file: "empty.wgsl",
    });
    assert.equal(r.overBudget, ctx.software ? 5 * 21 : 0);
  },
);
