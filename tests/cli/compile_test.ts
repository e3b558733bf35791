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

Deno.test("deno.json compile task includes every worker module the sources start", async () => {
  const task: string = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks.compile;
  const workers: string[] = [];
  for (const dir of ["cli", "core", "learners", "meta"]) {
    const walk = async (d: string): Promise<void> => {
      for await (const e of Deno.readDir(`${ROOT}${d}`)) {
        const path = `${d}/${e.name}`;
        if (e.isDirectory) await walk(path);
        else if (e.name.endsWith(".ts")) {
          const text = await Deno.readTextFile(`${ROOT}${path}`);
          for (
            // A worker module's URL, given to `new Worker` or to a HelperPool (helper_pool.ts).
            const m of text.matchAll(/new URL\("\.\/([^"]*_worker\.ts)", import\.meta\.url\)/g)
          ) {
            workers.push(`${d}/${m[1]}`);
          }
        }
      }
    };
    await walk(dir);
  }
  assert.ok(workers.length >= 3, `worker modules found: ${workers.join(", ")}`);
  for (const w of workers) assert.ok(task.includes(`--include ${w} `), `${w} not in: ${task}`);
});
