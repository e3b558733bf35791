/** Smoke run of the `meta` experiment on the CPU backend. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../../core/experiment.ts";
import { META_EXPERIMENT } from "../../../meta/few_shot/experiment.ts";

Deno.test("meta experiment smoke run writes the results table, sinusoid table and plots", async () => {
  const dir = await Deno.makeTempDir({ prefix: "meta_experiment_test_" });
  try {
    const out = await runExperiment(META_EXPERIMENT, {
      scale: "smoke",
      rawConfig: { backend: "cpu" },
      dir: join(dir, "run"),
      quiet: true,
    });
    const result = JSON.parse(await Deno.readTextFile(join(out.dir, "result.json")));
    const main = result.tables[0].rows as Record<string, unknown>[];
    assert.deepEqual(
      main.map((r) => r.method),
      ["baseline", "reptile", "fomaml", "es-maml", "meta-sgd", "self-improving"],
    );
    for (const r of main) {
      const acc = r.accuracy_pct as number;
      assert.ok(Number.isFinite(acc) && acc >= 0 && acc <= 100, `${r.method}: ${acc}`);
    }
    assert.equal(result.tables[1].rows.length, 6);
    const plots = [...Deno.readDirSync(join(out.dir, "plots"))].map((e) => e.name);
    assert.ok(plots.includes("synthetic-1shot_vs_inner_step.svg"), plots.join(", "));
    assert.ok(plots.includes("synthetic-1shot_vs_meta_iteration.svg"), plots.join(", "));
    const csv = await Deno.readTextFile(join(out.dir, "metrics.csv"));
    assert.ok(csv.includes("change"), "strategy changes are in metrics.csv");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
