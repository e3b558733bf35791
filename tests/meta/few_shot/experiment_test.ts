/** Smoke run of the `meta` experiment on the CPU backend. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../../core/experiment.ts";
import { META_EXPERIMENT, META_METHODS } from "../../../meta/few_shot/experiment.ts";
import { runCeilings } from "../../../tools/synthetic_episode_ceiling.ts";

Deno.test("meta experiment smoke run writes every method with floors, ceilings, verdicts and plots", async () => {
  const dir = await Deno.makeTempDir({ prefix: "meta_experiment_test_" });
  try {
    const out = await runExperiment(META_EXPERIMENT, {
      scale: "smoke",
      rawConfig: { backend: "cpu", methods: [...META_METHODS] },
      dir: join(dir, "run"),
      quiet: true,
    });
    const result = JSON.parse(await Deno.readTextFile(join(out.dir, "result.json")));
    const main = result.tables[0].rows as Record<string, unknown>[];
    // No pretrained row: the synthetic family shares no classes across episodes.
    assert.deepEqual(main.map((r) => r.method), [
      "floor: chance",
      "baseline",
      "nearest-neighbour",
      "reptile",
      "fomaml",
      "maml",
      "es-maml",
      "meta-sgd",
      "protonet",
      "self-improving",
      "ceiling: latent Bayes",
      "ceiling: latent Bayes on these test episodes",
    ]);
    for (const r of main) {
      const acc = r.accuracy_pct as number;
      assert.ok(Number.isFinite(acc) && acc >= 0 && acc <= 100, `${r.method}: ${acc}`);
    }
    assert.equal(main[0]!.accuracy_pct, 20);
    // The test episodes' Bayes rule is the tool's on the run folder (seed 0, 8 test episodes).
    const [tool] = await runCeilings(out.dir);
    assert.equal(tool?.setting, "synthetic-1shot");
    assert.equal(main.at(-1)!.accuracy_pct, 100 * tool!.accuracy);
    assert.equal(main.at(-1)!.episodes, 8);
    const summary = JSON.parse(await Deno.readTextFile(join(out.dir, "summary.json")));
    assert.equal(summary.metrics["synthetic-1shot_bayes_test_accuracy"], tool!.accuracy);
    const sin = result.tables[1].rows as Record<string, unknown>[];
    assert.equal(sin.length, 9); // 8 methods (no protonet: regression) and the floor
    const floor = sin.at(-1)!.mse_1_step as number;
    assert.ok(Math.abs(floor - 3.0) < 0.05, `floor ${floor}`);
    const sections = result.sections.map((s: { title: string }) => s.title);
    assert.ok(
      sections.includes("Verdicts") && sections.includes("Targets of issue 16, as measured"),
    );
    const plots = [...Deno.readDirSync(join(out.dir, "plots"))].map((e) => e.name);
    for (
      const p of ["synthetic-1shot_vs_inner_step.svg", "synthetic-1shot_vs_meta_iteration.svg"]
    ) {
      assert.ok(plots.includes(p), plots.join(", "));
    }
    const csv = await Deno.readTextFile(join(out.dir, "metrics.csv"));
    assert.ok(csv.includes("change"), "strategy changes are in metrics.csv");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
