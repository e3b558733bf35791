import assert from "node:assert/strict";
import { RASTERIZER } from "../../../../learners/data/glyphs/mod.ts";
import { loadTaskData, type TaskSourceSpec } from "../../../../learners/task_source.ts";
import { smallSubsetTest } from "./_fonts.ts";

smallSubsetTest(
  'loadTaskData with family "glyphs" loads meta-train letters, building the set when absent',
  async (g, dir) => {
    const spec: TaskSourceSpec = {
      family: "glyphs",
      inputs: 0,
      ways: 5,
      trainPerClass: 12,
      testPerClass: 8,
      difficulty: 0,
      downsample: 2,
      root: dir,
    };
    const task = await loadTaskData(spec, 4);
    assert.equal(task.outputs, 5);
    assert.equal(task.train, 60);
    assert.equal(task.test, 40);
    assert.equal(task.dataset.inputs, 196);
    assert.match(task.description, /^glyphs/);
    // The five classes are the first five meta-train classes.
    const trainScripts = new Set(g.split.train.length ? g.manifest.splits.train : []);
    for (let c = 0; c < 5; c++) {
      assert.ok(trainScripts.has(g.manifest.classes[g.split.train[c]!]!.script));
    }
  },
);

Deno.test("RASTERIZER names the opentype.js version that deno.json pins", async () => {
  const json = JSON.parse(
    await Deno.readTextFile(new URL("../../../../deno.json", import.meta.url)),
  );
  assert.equal(json.imports["opentype.js"], `npm:opentype.js@${RASTERIZER.opentypeVersion}`);
});
