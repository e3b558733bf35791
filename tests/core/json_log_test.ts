import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../core/input_error.ts";
import { JsonLog } from "../../core/json_log.ts";
import { withTempDir } from "../_temp_dir.ts";

Deno.test("JsonLog keeps exact values, is cut back to a checkpoint's count, and refuses a short file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "sub", "log.jsonl");
    const log = await JsonLog.open<{ g: number; v: number[] }>(path, 0);
    for (let g = 0; g < 4; g++) await log.append({ g, v: [g / 3, NaN, -0] });
    assert.equal(log.lines, 4);
    const again = await JsonLog.open<{ g: number; v: number[] }>(path, 2);
    const rows = await again.readAll();
    assert.deepEqual(rows, [{ g: 0, v: [0, NaN, -0] }, { g: 1, v: [1 / 3, NaN, -0] }]);
    assert.ok(Object.is(rows[0]!.v[2], -0));
    await again.append({ g: 9, v: [] });
    assert.deepEqual((await again.readAll()).map((r) => r.g), [0, 1, 9]);
    await assert.rejects(() => JsonLog.open(path, 5), InputError);
    assert.equal((await JsonLog.open(path, 0)).lines, 0);
    assert.equal(await Deno.readTextFile(path), "");
  });
});
