/** The self-improving system inside the `meta` experiment (smoke scale, CPU backend). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../../core/experiment.ts";
import { META_EXPERIMENT } from "../../../meta/few_shot/experiment.ts";

Deno.test("meta experiment: the self-improving system runs the setting's static methods as members at their budget and reports it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "meta_self_improving_test_" });
  try {
    const out = await runExperiment(META_EXPERIMENT, {
      scale: "smoke",
      rawConfig: {
        backend: "cpu",
        settings: ["synthetic-1shot"],
        methods: ["baseline", "reptile", "protonet", "self-improving"],
      },
      dir: join(dir, "run"),
      quiet: true,
    });
    const result = JSON.parse(await Deno.readTextFile(join(out.dir, "result.json")));
    const rows = result.tables[0].rows as Record<string, unknown>[];
    const row = (m: string) => rows.find((r) => r.method === m)!;
    const staticBudget = row("reptile").task_budget as number;
    const si = row("self-improving");
    const used = si.task_budget as number;
    // smoke: 4 members x 2 tasks per iteration; the same budget as a static method, rounded down.
    assert.ok(used <= staticBudget && used > staticBudget - 4 * 2, `${used} vs ${staticBudget}`);
    assert.match(String(si.chosen), /member_method (reptile|protonet)/);
    assert.match(String(si.chosen), /tested_at \d+/);
    assert.match(String(row("reptile").chosen), /tested_at \d+/);
    const report = await Deno.readTextFile(join(out.dir, "report.md"));
    assert.match(
      report,
      /self-improving 4 members x 2 tasks x \d+ iterations = \d+ task adaptations/,
    );
    assert.match(report, /members: reptile, protonet;/);
    const csv = await Deno.readTextFile(join(out.dir, "metrics.csv"));
    const header = csv.split("\n")[0]!.split(",");
    const kind = header.indexOf("kind");
    const field = header.indexOf("field");
    const changes = csv.split("\n").slice(1).map((l) => l.split(",")).filter((c) =>
      c[kind] === "change"
    );
    assert.ok(changes.some((c) => c[field] === "params+knobs"), "exploits are logged");
    const plots = [...Deno.readDirSync(join(out.dir, "plots"))].map((e) => e.name);
    assert.ok(plots.includes("synthetic-1shot_strategy_changes.svg"), plots.join(", "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
