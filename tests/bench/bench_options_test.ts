import assert from "node:assert/strict";
import { parseBenchOptions } from "../../bench/bench_options.ts";

/** The options of `args`, failing the test on an error or help. */
function options(args: string[]) {
  const r = parseBenchOptions(args);
  assert.ok("options" in r, JSON.stringify(r));
  return r.options;
}

Deno.test("bench --grouping: the meta loop's extra groupings, in order; none by default", () => {
  assert.deepEqual(options(["--metatrain"]).groupings, []);
  assert.deepEqual(options(["--metatrain", "--grouping", "1x64,1x128,2x32"]).groupings, [
    { modelsPerGroup: 1, roles: 64 },
    { modelsPerGroup: 1, roles: 128 },
    { modelsPerGroup: 2, roles: 32 },
  ]);
  assert.deepEqual(options(["--sizes", "64"]).groupings, []);
});

Deno.test("bench --grouping: a bad key, a repeated one, or no --metatrain is one line", () => {
  const error = (args: string[]) => {
    const r = parseBenchOptions(args);
    assert.ok("error" in r, JSON.stringify(r));
    assert.equal(r.error.includes("\n"), false);
    return r.error;
  };
  for (const v of ["1x3", "2x256", "1x64,", "x", "1x64,1x64"]) {
    assert.equal(
      error(["--metatrain", "--grouping", v]),
      "bench: --grouping must be distinct MxR pairs of powers of two with M x R <= 256, " +
        `comma-separated: current value is ${v}`,
    );
  }
  assert.equal(
    error(["--grouping", "1x64"]),
    "bench: --grouping needs --metatrain: current value is 1x64",
  );
});

Deno.test("deno task bench refuses a bad --grouping with one line and exit 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../bench/bench.ts", import.meta.url).pathname,
      "--metatrain",
      "--grouping",
      "3x3",
    ],
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 2);
  const err = new TextDecoder().decode(out.stderr).trim();
  assert.match(err, /^bench: --grouping must be distinct MxR pairs .*current value is 3x3$/);
  assert.equal(new TextDecoder().decode(out.stdout), "");
});
