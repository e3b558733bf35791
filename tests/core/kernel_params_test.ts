import assert from "node:assert/strict";
import { join } from "node:path";

// Lavapipe re-specializes and recompiles a kernel whose loop bounds come from a uniform buffer
// each time its pipeline or bind group is bound (about 100 ms per train-step submit, see
// createParamsBuffer in core/buffers.ts). Every kernel therefore binds its parameters as
// read-only storage and copies them into a private struct first thing in its entry point, either
// line by line (`params = params_in;`) or through shaders/_grid.wgsl, whose `grid_index` and
// `group_index` copy `params` before they compute the invocation's index (shaders/_evolve.wgsl's
// `evolve_index` copies `u` the same way).
const dir = new URL("../../shaders/", import.meta.url).pathname;
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".wgsl"));

Deno.test("no kernel binds a uniform buffer; each copies its parameters before anything else", () => {
  assert.ok(files.length >= 19, `found ${files.length} shaders`);
  let kernels = 0;
  for (const name of files) {
    const code = Deno.readTextFileSync(join(dir, name));
    assert.ok(!/var<uniform>/.test(code), `${name} declares a var<uniform>`);
    const inputs = [...code.matchAll(/var<storage, read> (\w+)_in: (\w+);/g)].map((m) => m[1]!);
    // A kernel whose interface is generated (core/kernel_interface.ts) declares no binding: the
    // private copies it reads (`params.x`, `u.x`, `ks.x`) are the parameters it must copy first.
    if (!/@binding/.test(code)) {
      inputs.push(...new Set([...code.matchAll(/\b(params|u|ks)\.\w/g)].map((m) => m[1]!)));
    }
    const entry = code.match(
      /@compute[^{]*\{\n((?: {2}\w+ = \w+_in;\n)*)( {2}let \w+ = (grid|group|evolve)_index\()?/,
    );
    if (!entry) continue;
    kernels++;
    const copied = [...entry[1]!.matchAll(/ {2}(\w+) = (?:\1|params)_in;/g)].map((m) => m[1]!);
    // _grid.wgsl's index functions copy params first (_es_tell.wgsl, a shared entry point, uses
    // them for the kernels it is composed into, which declare params_in).
    // _evolve.wgsl's evolve_index copies u (from u_in) likewise.
    const byIndex = entry[3] === "grid" || entry[3] === "group" ? "params" : "u";
    if (entry[2] && inputs.includes(byIndex)) copied.push(byIndex);

    assert.deepEqual(copied.sort(), inputs.sort(), `${name}: parameter copies at the top of main`);
  }
  assert.ok(kernels >= 19, `found ${kernels} kernels`);
});
