/**
 * The image data of the `meta` experiment: the glyphs at each allowed resolution, and the
 * cross-domain test set (any data set the engine reads, checked against the learners' input width).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, parseConfig } from "../../../core/config_schema.ts";
import { InputError } from "../../../core/input_error.ts";
import { downsample, standardize } from "../../../learners/data/preprocess.ts";
import { resizeArea } from "../../../learners/data/resize_area.ts";
import { META_SCHEMA } from "../../../meta/few_shot/config.ts";
import { crossDomainData, glyphsData } from "../../../meta/few_shot/setting_data.ts";
import { buildSetting } from "../../../meta/few_shot/settings.ts";
import { episodeLabel } from "../../../learners/tasks/task_family.ts";
import { smallSubsetTest } from "../../learners/data/glyphs/_fonts.ts";

/** Writes an IDX image file (n x 28 x 28, pixel = (i + r + c) % 256) and a label file (i % 3). */
async function writeIdx(dir: string, n: number): Promise<{ images: string; labels: string }> {
  const img = new Uint8Array(16 + n * 784);
  new DataView(img.buffer).setUint32(0, 2051);
  [n, 28, 28].forEach((v, i) => new DataView(img.buffer).setUint32(4 + 4 * i, v));
  for (let i = 0; i < n * 784; i++) img[16 + i] = (Math.floor(i / 784) + i) % 256;
  const lab = new Uint8Array(8 + n);
  new DataView(lab.buffer).setUint32(0, 2049);
  new DataView(lab.buffer).setUint32(4, n);
  for (let i = 0; i < n; i++) lab[8 + i] = i % 3;
  const images = join(dir, "images-idx3-ubyte");
  const labels = join(dir, "labels-idx1-ubyte");
  await Deno.writeFile(images, img);
  await Deno.writeFile(labels, lab);
  return { images, labels };
}

Deno.test("crossDomainData reads IDX files, downsampled to the learners' width and standardized", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cross_domain_test_" });
  try {
    const files = await writeIdx(dir, 12);
    const d = await crossDomainData({ family: "idx", ...files, downsample: 2 }, 196);
    assert.equal(d.data.inputs, 196);
    assert.equal(d.data.count, 12);
    assert.deepEqual([...d.classes], [0, 1, 2]);
    const m = d.data.x.reduce((a, v) => a + v, 0) / d.data.x.length;
    assert.ok(Math.abs(m) < 1e-4, `mean ${m}`);
    await assert.rejects(
      () => crossDomainData({ family: "idx", ...files, downsample: 1 }, 196),
      (e: unknown) =>
        e instanceof InputError && e.field === "crossDomain.downsample" &&
        e.message.includes("784"),
    );
    await assert.rejects(
      () => crossDomainData({ family: "image-folder", downsample: 2 }, 196),
      (e: unknown) => e instanceof InputError && e.field === "crossDomain.root",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("meta config: glyphs.size defaults to 14, trainWays and trainQueries to null, bad values name the field", async () => {
  const g = parseConfig(META_SCHEMA, {}).glyphs;
  assert.deepEqual([g.size, g.trainWays, g.trainQueries], [14, null, null]);
  assert.equal(parseConfig(META_SCHEMA, { glyphs: { size: 16 } }).glyphs.size, 16);
  for (
    const [field, bad] of [["size", 3], ["size", 17], ["size", 14.5], ["trainQueries", 16], [
      "trainWays",
      0,
    ]] as const
  ) {
    assert.throws(
      () => parseConfig(META_SCHEMA, { glyphs: { [field]: bad } }, "x.json"),
      (e: Error) =>
        e instanceof ConfigError && e.field === `glyphs.${field}` && !e.message.includes("\n"),
    );
  }
  await assert.rejects(
    () => glyphsData({ dir: "unused", subset: null, size: 28 }, () => {}),
    (e: unknown) =>
      e instanceof InputError && e.field === "glyphs.size" && /\[4, 16\]/.test(e.message),
  );
});

smallSubsetTest(
  "glyphsData resamples the renders to glyphs.size (14 as before); glyphs.trainWays, trainQueries",
  async (g, dir) => {
    const at = (size: number) => glyphsData({ dir, subset: "small", size }, () => {});
    const [s16, s14, s7] = await Promise.all([at(16), at(14), at(7)]);
    assert.deepEqual([s16.data.inputs, s14.data.inputs, s7.data.inputs], [256, 196, 49]);
    for (const d of [s16, s14, s7]) {
      assert.equal(d.data.count, g.dataset.count);
      assert.deepEqual([...d.split.test], [...g.split.test]);
    }
    assert.deepEqual(s14.data.x, standardize(downsample(g.dataset, 2)).dataset.x);
    assert.deepEqual(s7.data.x, standardize(downsample(g.dataset, 4)).dataset.x);
    assert.deepEqual(s16.data.x, standardize(resizeArea(g.dataset, 16, 16)).dataset.x);
    // glyphs.trainWays / trainQueries: 20-way episodes with 5 queries per class, the 5-way one first.
    const c = parseConfig(META_SCHEMA, {
      glyphs: { dir, subset: "small", trainWays: 20, trainQueries: 5 },
      crossDomain: null,
    });
    const wide = await buildSetting("glyphs-5way-1shot", c);
    const b = wide.protonetTrain!.sampleEpisodes(1, 8);
    assert.deepEqual([b.ways, b.supportSize, b.querySize], [20, 20, 100]);
    // Every other method meta-trains on the 5-way episodes, the same as without the fields.
    const plain = { ...c, glyphs: { ...c.glyphs, trainWays: null, trainQueries: null } };
    const base = await buildSetting("glyphs-5way-1shot", plain);
    assert.equal(base.protonetTrain, null);
    // Fields no wider than the setting's own episodes (trainWays 20 on glyphs 20-way 1-shot) give
    // no second pool: it would hold the same episodes.
    const narrows = [{ trainWays: 5, trainQueries: null }, { trainWays: 3, trainQueries: 1 }];
    for (const narrow of narrows) {
      const same = await buildSetting("glyphs-5way-1shot", {
        ...c,
        glyphs: { ...c.glyphs, ...narrow },
      });
      assert.equal(same.protonetTrain, null, JSON.stringify(narrow));
    }
    const p = base.train.sampleEpisodes(1, 8);
    const q = wide.train.sampleEpisodes(1, 8);
    assert.deepEqual([q.support, q.query, q.labelMap], [p.support, p.query, p.labelMap]);
    assert.deepEqual([p.ways, p.supportSize, p.querySize], [5, 5, 5]);
    for (let e = 0; e < 8; e++) {
      assert.deepEqual(
        b.support.subarray(e * 20, e * 20 + 5),
        p.support.subarray(e * 5, e * 5 + 5),
      );
      assert.deepEqual(b.query.subarray(e * 100, e * 100 + 5), p.query.subarray(e * 5, e * 5 + 5));
      const labels = [...b.query.subarray(e * 100, e * 100 + 100)].map((i) =>
        episodeLabel(b, e, i)
      );
      assert.deepEqual(labels.slice(0, 5), [0, 1, 2, 3, 4]);
    }
    await assert.rejects(
      () => buildSetting("glyphs-5way-1shot", { ...c, glyphs: { ...c.glyphs, trainWays: 64 } }),
      (e: unknown) => e instanceof InputError && e.field === "glyphs.trainWays",
    );
  },
);
