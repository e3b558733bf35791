/**
 * The image data of the `meta` experiment: the glyphs at each allowed resolution, and the
 * cross-domain test set (any data set the engine reads, checked against the learners' input width).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, parseConfig } from "../../../core/config_schema.ts";
import { InputError } from "../../../core/input_error.ts";
import { downsample, standardize } from "../../../learners/data/preprocess.ts";
import { META_SCHEMA } from "../../../meta/few_shot/config.ts";
import { crossDomainData, glyphsData } from "../../../meta/few_shot/setting_data.ts";
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

Deno.test("meta config: glyphs.downsample defaults to 2 and a bad factor names the field", async () => {
  assert.equal(parseConfig(META_SCHEMA, {}).glyphs.downsample, 2);
  assert.equal(parseConfig(META_SCHEMA, { glyphs: { downsample: 1 } }).glyphs.downsample, 1);
  for (const bad of [0, 3, 1.5, 8]) {
    assert.throws(
      () => parseConfig(META_SCHEMA, { glyphs: { downsample: bad } }, "x.json"),
      (e: Error) =>
        e instanceof ConfigError && e.field === "glyphs.downsample" &&
        e.message.includes("1, 2 or 4") && !e.message.includes("\n"),
    );
  }
  await assert.rejects(
    () => glyphsData({ dir: "unused", subset: null, downsample: 3 }, () => {}),
    (e: unknown) => e instanceof InputError && e.field === "glyphs.downsample",
  );
});

smallSubsetTest(
  "glyphsData pools the 28x28 renders by glyphs.downsample, 2 as before",
  async (g, dir) => {
    const at = (downsample: number) => glyphsData({ dir, subset: "small", downsample }, () => {});
    const [full, half, quarter] = await Promise.all([at(1), at(2), at(4)]);
    assert.deepEqual([full.data.inputs, half.data.inputs, quarter.data.inputs], [784, 196, 49]);
    for (const d of [full, half, quarter]) {
      assert.equal(d.data.count, g.dataset.count);
      assert.deepEqual([...d.split.test], [...g.split.test]);
    }
    assert.deepEqual(full.data.x, standardize(g.dataset).dataset.x);
    assert.deepEqual(half.data.x, standardize(downsample(g.dataset, 2)).dataset.x);
    assert.notDeepEqual(quarter.data.x.subarray(0, 49), half.data.x.subarray(0, 49));
  },
);
