import assert from "node:assert/strict";
import { join } from "node:path";
import { PNG } from "pngjs";
import { loadImageFolder } from "../../../learners/data/image_folder.ts";
import { validateDataset } from "../../../learners/dataset.ts";
import { InputError } from "../../../core/input_error.ts";
import { withTempDir } from "../../_temp_dir.ts";

/** Writes a width x height PNG whose pixels are gray level `value` (0-255), opaque. */
async function writePng(path: string, width: number, height: number, value: number): Promise<void> {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[4 * i] = value;
    png.data[4 * i + 1] = value;
    png.data[4 * i + 2] = value;
    png.data[4 * i + 3] = 255;
  }
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeFile(path, PNG.sync.write(png));
}

Deno.test("loadImageFolder reads alphabet/character folders as classes in sorted order", async () => {
  await withTempDir(async (root) => {
    await writePng(join(root, "Latin", "b", "1.png"), 4, 3, 255);
    await writePng(join(root, "Latin", "a", "2.png"), 4, 3, 0);
    await writePng(join(root, "Latin", "a", "1.png"), 4, 3, 51);
    await writePng(join(root, "Greek", "alpha", "x.png"), 4, 3, 102);
    await Deno.writeTextFile(join(root, "Latin", "a", "notes.txt"), "ignored");
    const d = await loadImageFolder(root);
    validateDataset(d);
    assert.deepEqual(d.classNames, ["Greek/alpha", "Latin/a", "Latin/b"]);
    assert.equal(d.count, 4);
    assert.equal(d.height, 3);
    assert.equal(d.width, 4);
    assert.equal(d.inputs, 12);
    assert.deepEqual(Array.from(d.y), [0, 1, 1, 2]);
    const px = (n: number) => d.x[n * 12]!;
    assert.ok(Math.abs(px(0) - 0.4) < 1e-6);
    assert.ok(Math.abs(px(1) - 0.2) < 1e-6); // 1.png before 2.png
    assert.equal(px(2), 0);
    assert.equal(px(3), 1);
    const inv = await loadImageFolder(root, { invert: true });
    assert.equal(inv.x[3 * 12], 0);
  });
});

Deno.test("loadImageFolder depth 1 reads root/class/*.png", async () => {
  await withTempDir(async (root) => {
    await writePng(join(root, "cat", "1.png"), 2, 2, 0);
    await writePng(join(root, "dog", "1.png"), 2, 2, 0);
    const d = await loadImageFolder(root, { depth: 1 });
    assert.deepEqual(d.classNames, ["cat", "dog"]);
    assert.equal(d.classes, 2);
  });
});

Deno.test("loadImageFolder rejects a missing root naming it", async () => {
  await assert.rejects(
    loadImageFolder("/nonexistent/omniglot"),
    /Cannot load image folder as root must be a readable folder: not found \(folder: \/nonexistent\/omniglot\)/,
  );
});

Deno.test("loadImageFolder rejects empty folders naming them", async () => {
  await withTempDir(async (root) => {
    await assert.rejects(loadImageFolder(root), /root must hold class folders: current count is 0/);
    await Deno.mkdir(join(root, "Latin", "a"), { recursive: true });
    await assert.rejects(
      loadImageFolder(root),
      (e: Error) =>
        e instanceof InputError && e.message.includes("must hold PNG files") &&
        e.message.includes(join(root, "Latin", "a")),
    );
    await Deno.mkdir(join(root, "Empty"));
    await assert.rejects(loadImageFolder(root), /alphabet folder must hold character folders/);
  });
});

Deno.test("loadImageFolder rejects inconsistent image sizes naming the file", async () => {
  await withTempDir(async (root) => {
    await writePng(join(root, "A", "a", "1.png"), 4, 4, 0);
    await writePng(join(root, "A", "b", "1.png"), 5, 4, 0);
    const bad = join(root, "A", "b", "1.png");
    await assert.rejects(
      loadImageFolder(root),
      (e: Error) =>
        e instanceof InputError && e.message.includes("every image must be 4x4") &&
        e.message.includes("current size is 4x5") && e.message.endsWith(`(file: ${bad})`),
    );
  });
});

Deno.test("loadImageFolder rejects an undecodable PNG naming the file", async () => {
  await withTempDir(async (root) => {
    await Deno.mkdir(join(root, "A", "a"), { recursive: true });
    const bad = join(root, "A", "a", "1.png");
    await Deno.writeTextFile(bad, "not a png");
    await assert.rejects(
      loadImageFolder(root),
      (e: Error) => e instanceof InputError && e.message.endsWith(`(file: ${bad})`),
    );
  });
});
