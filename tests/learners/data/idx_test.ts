import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { loadIdxDataset, parseIdx, readIdx } from "../../../learners/data/idx.ts";
import { validateDataset } from "../../../learners/dataset.ts";
import { InputError } from "../../../core/input_error.ts";
import { idxBytes } from "../../_input_fixtures.ts";
import { withTempDir } from "../../_temp_dir.ts";

function labelBytes(labels: number[]): Uint8Array {
  const out = idxBytes(2049, [labels.length]);
  out.set(labels, 8);
  return out;
}

Deno.test("readIdx reads plain and gzip files to the same contents", async () => {
  await withTempDir(async (dir) => {
    const bytes = idxBytes(2051, [3, 4, 5]);
    await Deno.writeFile(join(dir, "plain"), bytes);
    await Deno.writeFile(join(dir, "packed.gz"), gzipSync(bytes));
    const a = await readIdx(join(dir, "plain"));
    const b = await readIdx(join(dir, "packed.gz"));
    assert.equal(a.magic, 2051);
    assert.deepEqual(a.dims, [3, 4, 5]);
    assert.equal(a.data.length, 60);
    assert.equal(a.data[1], 37);
    assert.deepEqual(b.dims, a.dims);
    assert.deepEqual(b.data, a.data);
  });
});

Deno.test("loadIdxDataset builds a dataset with pixels in [0, 1] and class labels", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(join(dir, "img.gz"), gzipSync(idxBytes(2051, [4, 2, 3])));
    await Deno.writeFile(join(dir, "lab"), labelBytes([0, 2, 1, 2]));
    const d = await loadIdxDataset(join(dir, "img.gz"), join(dir, "lab"));
    validateDataset(d);
    assert.equal(d.count, 4);
    assert.equal(d.inputs, 6);
    assert.equal(d.height, 2);
    assert.equal(d.width, 3);
    assert.equal(d.classes, 3);
    assert.deepEqual(Array.from(d.y), [0, 2, 1, 2]);
    assert.equal(d.x[1], Math.fround(37 / 255));
    assert.deepEqual(d.classNames, ["0", "1", "2"]);
  });
});

Deno.test("readIdx rejects a missing file naming it", async () => {
  const path = "/nonexistent/dir/missing-idx-ubyte";
  await assert.rejects(readIdx(path), (e: Error) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /Cannot read IDX file "\/nonexistent.*": not found/);
    return true;
  });
});

Deno.test("readIdx rejects a wrong magic number naming the file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bad-magic.gz");
    await Deno.writeFile(path, gzipSync(idxBytes(1234, [2])));
    await assert.rejects(readIdx(path), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.equal(
        e.message,
        `Cannot load IDX file as magic number must be 2049 or 2051: current value is 1234 (file: ${path})`,
      );
      return true;
    });
  });
});

Deno.test("readIdx rejects truncated files (plain and gzip) naming the file", async () => {
  await withTempDir(async (dir) => {
    const plain = join(dir, "trunc");
    const packed = join(dir, "trunc.gz");
    const short = idxBytes(2051, [10, 28, 28], 100);
    await Deno.writeFile(plain, short);
    await Deno.writeFile(packed, gzipSync(short));
    for (const path of [plain, packed]) {
      await assert.rejects(readIdx(path), (e: Error) => {
        assert.ok(e instanceof InputError);
        assert.ok(e.message.includes("truncated") && e.message.includes(`(file: ${path})`));
        assert.ok(e.message.includes("need 7840 data bytes, current size is 100"));
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    }
    const header = join(dir, "header");
    await Deno.writeFile(header, idxBytes(2051, [10, 28, 28]).subarray(0, 10));
    await assert.rejects(readIdx(header), /header must be 16 bytes: current size is 10 bytes/);
    const gz = join(dir, "corrupt.gz");
    await Deno.writeFile(gz, gzipSync(idxBytes(2049, [50])).subarray(0, 20));
    await assert.rejects(readIdx(gz), (e: Error) => e.message.includes(`(file: ${gz})`));
  });
});

Deno.test("loadIdxDataset rejects a label/image count mismatch naming both files", async () => {
  await withTempDir(async (dir) => {
    const img = join(dir, "img");
    const lab = join(dir, "lab");
    await Deno.writeFile(img, idxBytes(2051, [5, 2, 2]));
    await Deno.writeFile(lab, labelBytes([0, 1, 0, 1]));
    await assert.rejects(loadIdxDataset(img, lab), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.equal(
        e.message,
        `Cannot load IDX data set as label count must equal image count 5: current value is 4 (images: ${img}, labels: ${lab})`,
      );
      return true;
    });
    // Swapped files: magic numbers name the wrong role.
    await assert.rejects(loadIdxDataset(lab, img), /IDX images as magic number must be 2051/);
  });
});

Deno.test("loadIdxDataset rejects labels outside the class count naming the label file", async () => {
  await withTempDir(async (dir) => {
    const img = join(dir, "img");
    const lab = join(dir, "lab");
    await Deno.writeFile(img, idxBytes(2051, [2, 1, 1]));
    await Deno.writeFile(lab, labelBytes([0, 9]));
    await assert.rejects(
      loadIdxDataset(img, lab, { classes: 5 }),
      new RegExp(`must be in \\[0, 4\\]: current value is 9 \\(file: ${lab}\\)`),
    );
  });
});

Deno.test("parseIdx copies the data so the result owns its buffer", () => {
  const bytes = idxBytes(2049, [3]);
  const f = parseIdx(bytes, "mem");
  bytes[8] = 200;
  assert.equal(f.data[0], 0);
  assert.equal(f.data.byteOffset, 0);
});
