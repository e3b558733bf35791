import assert from "node:assert/strict";

const SCRIPT = new URL("../../bench/wasm_peak.ts", import.meta.url).pathname;

/** Runs bench/wasm_peak.ts with `args`: exit code, stdout, stderr. */
async function peak(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", SCRIPT, ...args] })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, stdout: text(r.stdout), stderr: text(r.stderr) };
}

Deno.test("bench/wasm_peak.ts checks its chains, then prints the rates of 1 and N threads", async () => {
  const r = await peak(["--threads", "2", "--seconds", "0.05"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 2, r.stdout);
  assert.match(lines[0]!, /^1 thread: \d+\.\d\d GFLOP\/s/);
  const m = lines[1]!.match(
    /^2 threads at once: (\d+\.\d\d) GFLOP\/s in all \((\d+\.\d\d), (\d+\.\d\d)\)$/,
  );
  assert.ok(m, lines[1]!);
  assert.ok(Math.abs(Number(m[1]) - Number(m[2]) - Number(m[3])) < 0.02, lines[1]!);
});

Deno.test("bench/wasm_peak.ts refuses bad flags with one line and exit 2", async () => {
  for (const args of [["--threads", "0"], ["--threads", "1.5"], ["--seconds", "0"], ["--bogus"]]) {
    const r = await peak(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^wasm_peak: /);
    assert.equal(r.stdout, "");
  }
});
