import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("deno.json compile task wraps cli/main.ts with the permissions the tests run it under", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const task: string = config.tasks.compile;
  assert.match(task, /^deno compile -A /);
  assert.match(task, / cli\/main\.ts$/);
  // `deno compile` downloads its runtime (denort) on first use, which machines without internet
  // cannot; what can be checked here is that the entry point runs with the same permissions (-A).
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli/main.ts`, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  assert.match(new TextDecoder().decode(out.stdout), /Usage: metaforge <command>/);
  for (const cmd of ["train", "evolve", "l2o", "bench", "info", "report"]) {
    assert.match(new TextDecoder().decode(out.stdout), new RegExp(`\\n  ${cmd}\\b`));
  }
});
