/**
 * FloatLog: rows round-trip exactly, a resume cuts the log back to its checkpoint's rows, and
 * `sample` reads a bounded, evenly spaced subset (first and last included) in chunks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FloatLog } from "../../core/float_log.ts";
import { withTempDir } from "../_temp_dir.ts";

Deno.test("FloatLog.sample() returns every row of a short log and a bounded, evenly spaced subset of a long one", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "h.f64");
    // Width 3 at 24 bytes a row: 50,000 rows span several 1 MiB chunks (43,690 rows each).
    const log = await FloatLog.open(path, 3, 0);
    const n = 50_000;
    const rows = new Float64Array(n * 3);
    for (let r = 0; r < n; r++) rows.set([r, r * 0.5, r % 7 === 0 ? NaN : -r], r * 3);
    await Deno.writeFile(path, new Uint8Array(rows.buffer));
    const long = await FloatLog.open(path, 3, n);
    assert.equal(long.rows, n);
    const s = await long.sample(2000);
    assert.equal(s.length, 2000);
    assert.equal(s[0]!.index, 0);
    assert.equal(s.at(-1)!.index, n - 1);
    for (const [i, { index, values }] of s.entries()) {
      assert.equal(index, Math.round((i * (n - 1)) / 1999));
      assert.deepEqual(Array.from(values), Array.from(rows.subarray(index * 3, index * 3 + 3)));
    }
    // A short log: every row, as readAll gives them.
    await log.append([1, 2, 3]);
    const short = await FloatLog.open(path, 3, 0);
    for (let r = 0; r < 5; r++) await short.append([r, NaN, -0]);
    const all = await short.readAll();
    const few = await short.sample(5);
    assert.deepEqual(few.map((x) => x.index), [0, 1, 2, 3, 4]);
    assert.deepEqual(few.map((x) => Array.from(x.values)), all.map((x) => Array.from(x)));
    assert.ok(Object.is(few[2]!.values[2], -0));
    assert.deepEqual((await short.sample(2)).map((x) => x.index), [0, 4]);
    await assert.rejects(() => short.sample(1), RangeError);
  });
});
