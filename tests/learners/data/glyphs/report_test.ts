import assert from "node:assert/strict";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { PNG } from "pngjs";
import { glyphsReport } from "../../../../learners/data/glyphs/mod.ts";
import { loadImageFolder } from "../../../../learners/data/image_folder.ts";
import { smallSubsetTest } from "./_fonts.ts";

smallSubsetTest(
  "glyphsReport measures 1-NN and the MLP on meta-test episodes with CIs and writes a sheet",
  async (g, dir) => {
    await Deno.remove(`${dir}-report`, { recursive: true }).catch(() => {});
    const r = await glyphsReport(g, { episodes: 12, backend: "cpu" });
    // The small subset has 22 meta-test classes: both settings run.
    assert.deepEqual(r.rows.map((x) => x.setting), [
      "5-way 1-shot",
      "5-way 1-shot",
      "20-way 1-shot",
      "20-way 1-shot",
    ]);
    for (const x of r.rows) {
      assert.equal(x.episodes, 12);
      assert.ok(x.ci[0] <= x.accuracy && x.accuracy <= x.ci[1], JSON.stringify(x));
    }
    // Pixel 1-NN beats chance clearly (the instances of a class do look alike), and is not perfect.
    assert.ok(r.rows[0]!.accuracy > 0.3 && r.rows[0]!.accuracy < 0.95, `${r.rows[0]!.accuracy}`);
    assert.match(r.markdown, /\| 20-way 1-shot \| pixel 1-NN/);
    // The report goes beside the data folder, which stays a plain image folder.
    assert.equal(r.dir, `${dir}-report`);
    assert.equal((await loadImageFolder(dir)).classes, g.dataset.classes);
    const png = PNG.sync.read(Buffer.from(await Deno.readFile(join(r.dir, "sample_sheet.png"))));
    assert.equal(png.width, 12 * 30 + 2);
    assert.equal(png.height, 24 * 30 + 2);
  },
);
