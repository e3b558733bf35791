import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../../core/atomic.ts";
import { WriteError } from "../../core/write_error.ts";
import { withTempDir } from "../_temp_dir.ts";

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** A Uint8Array whose slicing fails, to make a write fail after the temp file exists. */
class FailingBytes extends Uint8Array {
  override subarray(): Uint8Array<ArrayBuffer> {
    throw new Error("simulated disk failure");
  }
}

Deno.test("writeFileAtomic writes text and bytes and leaves no temp file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "a.txt");
    await writeFileAtomic(path, "hello\n");
    assert.equal(await Deno.readTextFile(path), "hello\n");
    await writeFileAtomic(path, new Uint8Array([104, 105]));
    assert.equal(await Deno.readTextFile(path), "hi");
    assert.deepEqual(await listNames(dir), ["a.txt"]);
  });
});

Deno.test("writeFileAtomic leaves the old file intact and removes its temp file when a write fails", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "config.json");
    await writeFileAtomic(path, "old contents");
    await assert.rejects(
      () => writeFileAtomic(path, new FailingBytes([1, 2, 3])),
      /simulated disk failure/,
    );
    assert.equal(await Deno.readTextFile(path), "old contents");
    assert.deepEqual(await listNames(dir), ["config.json"]);
  });
});

Deno.test("writeFileAtomic fails without side effects when the folder does not exist", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => writeFileAtomic(join(dir, "missing", "a.txt"), "x"),
      (e: Error) =>
        e instanceof WriteError && e.cause instanceof Deno.errors.NotFound &&
        e.message === `Cannot write "${join(dir, "missing", "a.txt")}": not found`,
    );
    assert.deepEqual(await listNames(dir), []);
  });
});

Deno.test("writeFileAtomic with concurrent writers leaves one complete version", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "race.txt");
    const versions = Array.from({ length: 20 }, (_, i) => `version ${i} `.repeat(1000));
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    assert.ok(versions.includes(await Deno.readTextFile(path)));
    assert.deepEqual(await listNames(dir), ["race.txt"]);
  });
});

Deno.test("writeJsonAtomic writes pretty JSON and keeps the old file when the value cannot be serialized", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "summary.json");
    await writeJsonAtomic(path, { a: 1, b: [true, null] });
    assert.equal(
      await Deno.readTextFile(path),
      '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}\n',
    );
    await assert.rejects(() => writeJsonAtomic(path, { big: 1n }), TypeError);
    await assert.rejects(() => writeJsonAtomic(path, undefined), /not serializable/);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { a: 1, b: [true, null] });
    assert.deepEqual(await listNames(dir), ["summary.json"]);
  });
});
