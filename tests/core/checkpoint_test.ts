import assert from "node:assert/strict";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint } from "../../core/checkpoint.ts";
import { withTempDir } from "../_temp_dir.ts";

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("loadCheckpoint returns undefined when nothing was saved", async () => {
  await withTempDir(async (tmp) => {
    assert.equal(await loadCheckpoint(join(tmp, "checkpoint")), undefined);
  });
});

Deno.test("saveCheckpoint round-trips state and blobs and keeps only the latest blobs", async () => {
  const tmp = await Deno.makeTempDir();
  const dir = join(tmp, "checkpoint");
  try {
    const params = new Float32Array([1.5, -2, 3.25]);
    const g1 = await saveCheckpoint(dir, { step: 10, best: 0.5 }, {
      blobs: { params: new Uint8Array(params.buffer) },
    });
    const g2 = await saveCheckpoint(dir, { step: 20, best: 0.25 }, {
      blobs: {
        params: new Uint8Array(new Float32Array([4, 5, 6]).buffer),
        moments: new Uint8Array(2),
      },
      now: () => new Date(0),
    });
    assert.deepEqual([g1, g2], [1, 2]);
    const loaded = await loadCheckpoint<{ step: number; best: number }>(dir);
    assert.ok(loaded);
    assert.deepEqual(loaded.state, { step: 20, best: 0.25 });
    assert.equal(loaded.generation, 2);
    assert.equal(loaded.savedAt, "1970-01-01T00:00:00.000Z");
    assert.deepEqual([...new Float32Array(loaded.blobs.params!.slice().buffer)], [4, 5, 6]);
    assert.equal(loaded.blobs.moments!.byteLength, 2);
    assert.deepEqual(await listNames(dir), ["moments.2.bin", "params.2.bin", "state.json"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("saveCheckpoint rejects bad blob names and unserializable state", async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(
      () => saveCheckpoint(tmp, {}, { blobs: { "../x": new Uint8Array(1) } }),
      /blob name must match/,
    );
    await assert.rejects(() => saveCheckpoint(tmp, undefined), /state must be JSON-serializable/);
    assert.deepEqual(await listNames(tmp), []);
  });
});

Deno.test("loadCheckpoint rejects a truncated blob", async () => {
  await withTempDir(async (tmp) => {
    await saveCheckpoint(tmp, { a: 1 }, { blobs: { w: new Uint8Array(8) } });
    await Deno.writeFile(join(tmp, "w.1.bin"), new Uint8Array(3));
    await assert.rejects(
      () => loadCheckpoint(tmp),
      /blob "w" must have 8 bytes: current size is 3/,
    );
  });
});
