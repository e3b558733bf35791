/**
 * splitBlobs/joinBlobs: large typed arrays leave the JSON state for blobs and come back exactly
 * (type, values, NaN and -0 included); small ones and other values stay in place; a missing or
 * wrongly sized blob is a one-line InputError naming it.
 */
import assert from "node:assert/strict";
import { BLOB_MIN_LENGTH, joinBlobs, splitBlobs } from "../../core/state_blobs.ts";
import { InputError } from "../../core/input_error.ts";

Deno.test("splitBlobs() moves large typed arrays to blobs and joinBlobs() restores them exactly", () => {
  const big = Float32Array.from({ length: BLOB_MIN_LENGTH }, (_, i) => i / 3);
  big[1] = NaN;
  big[2] = -0;
  const ints = Uint32Array.from({ length: 300 }, (_, i) => i * 7);
  const state = { a: { theta: big, t: 4 }, list: [ints, 1], small: Float64Array.of(1, 2), s: "x" };
  const { state: json, blobs } = splitBlobs(state);
  assert.deepEqual(Object.keys(blobs).sort(), ["s0", "s1"]);
  assert.equal(blobs.s0!.byteLength, 4 * BLOB_MIN_LENGTH);
  const kept = (json as { small: unknown }).small;
  assert.equal(kept, state.small, "small arrays stay in place (for the exact-JSON encoder)");
  const text = JSON.stringify({ ...(json as object), small: null });
  assert.ok(text.length < 200, text);
  const back = joinBlobs(JSON.parse(text), blobs) as typeof state;
  assert.ok(back.a.theta instanceof Float32Array && back.list[0] instanceof Uint32Array);
  assert.deepEqual(new Uint8Array(back.a.theta.buffer), new Uint8Array(big.buffer));
  assert.deepEqual(back.list[0], ints);
  assert.equal(back.a.t, 4);
  assert.equal(back.s, "x");
});

Deno.test("joinBlobs() names a missing or wrongly sized blob in one line", () => {
  const { state, blobs } = splitBlobs({ w: new Float64Array(BLOB_MIN_LENGTH) });
  const marker = JSON.parse(JSON.stringify(state));
  assert.throws(
    () => joinBlobs(marker, {}),
    (e: Error) => e instanceof InputError && /"s0"/.test(e.message),
  );
  const cut = { s0: blobs.s0!.slice(0, 12) };
  assert.throws(
    () => joinBlobs(marker, cut),
    (e: Error) =>
      e instanceof InputError && /"s0".*Float64Array.*12/.test(e.message) &&
      !e.message.includes("\n"),
  );
});
