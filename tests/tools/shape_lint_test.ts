import assert from "node:assert/strict";
import { join, relative } from "node:path";
import plugin, {
  createShapePlugin,
  isBackendClass,
  MAX_FILE_LINES,
  MAX_FUNCTION_LINES,
} from "../../tools/shape_lint.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const strict = createShapePlugin(new Set());

function lint(p: Deno.lint.Plugin, path: string, source: string): Deno.lint.Diagnostic[] {
  return Deno.lint.runPlugin(p, join(ROOT, path), source);
}

function fn(name: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join("\n");
  return `export function ${name}(): number {\n${body}\n  return 0;\n}\n`.replace(
    "  return 0;\n",
    "",
  );
}

Deno.test("shape plugin flags a function over 80 lines and passes one of 80", () => {
  assert.equal(fn("f", MAX_FUNCTION_LINES).split("\n").length - 1, MAX_FUNCTION_LINES);
  assert.deepEqual(lint(strict, "meta/x.ts", fn("ok", MAX_FUNCTION_LINES)), []);
  const d = lint(strict, "meta/x.ts", fn("tooLong", MAX_FUNCTION_LINES + 1));
  assert.equal(d.length, 1);
  assert.match(d[0]!.message, /Function tooLong has 81 lines/);
  const arrow = `const g = () => {\n${"  1;\n".repeat(MAX_FUNCTION_LINES)}};\n`;
  assert.match(lint(strict, "cli/x.ts", arrow)[0]!.message, /Function g has 82 lines/);
  const method = `class A {\n  m(): void {\n${"    1;\n".repeat(MAX_FUNCTION_LINES)}  }\n}\n`;
  assert.match(lint(strict, "core/x.ts", method)[0]!.message, /Function m has 82 lines/);
});

Deno.test("shape plugin flags a file over 400 lines, not counting its data tables", () => {
  const filler = (n: number) => "const x = 1;\n" + "// line\n".repeat(n - 1);
  assert.deepEqual(lint(strict, "core/x.ts", filler(MAX_FILE_LINES)), []);
  const d = lint(strict, "core/x.ts", filler(MAX_FILE_LINES + 1));
  assert.equal(d.length, 1);
  assert.match(d[0]!.message, /File has 401 lines/);
  const table = `export const TABLE = [\n${
    '  [1, -2, "a", true, null],\n'.repeat(50)
  }] as const;\n`;
  assert.deepEqual(lint(strict, "core/x.ts", table + filler(MAX_FILE_LINES - 1)), []);
  // A literal with an expression in it is code, not a data table.
  const code = `export const T = [\n${"  [f(1)],\n".repeat(50)}];\n`;
  assert.equal(lint(strict, "core/x.ts", code + filler(MAX_FILE_LINES - 1)).length, 1);
});

Deno.test("shape plugin flags instanceof of a backend class outside learners/ only", () => {
  const src = "export function f(p: unknown): boolean {\n  return p instanceof GpuPopulation;\n}\n";
  const d = lint(strict, "meta/few_shot/x.ts", src);
  assert.equal(d.length, 1);
  assert.match(d[0]!.message, /instanceof GpuPopulation outside learners\//);
  assert.deepEqual(lint(strict, "learners/x.ts", src), []);
  const err =
    "export function f(e: unknown): boolean {\n  return e instanceof GpuUnavailableError;\n}\n";
  assert.deepEqual(lint(strict, "cli/x.ts", err), []);
  for (const name of ["GpuBackend", "CpuPopulation", "GpuDataset", "CpuDataset", "EvolveGpu"]) {
    assert.ok(isBackendClass(name), name);
  }
  assert.ok(!isBackendClass("GpuValidationError") && !isBackendClass("Rng"));
});

Deno.test("shape plugin does not check tests/ or exempt files", () => {
  const long = fn("long", MAX_FUNCTION_LINES + 5);
  assert.deepEqual(lint(strict, "tests/meta/x_test.ts", long), []);
  assert.deepEqual(lint(createShapePlugin(new Set(["meta/x.ts"])), "meta/x.ts", long), []);
});

async function sourceFiles(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) {
      if (!["node_modules", "runs", "dist", ".git"].includes(e.name)) await sourceFiles(path, out);
    } else if (/\.(ts|wgsl)$/.test(e.name)) out.push(relative(ROOT, path));
  }
  return out;
}

Deno.test("the tree keeps its shape: no file over 400 lines, no function over 80 lines, no backend instanceof outside learners/ (known violators aside)", async () => {
  const files = await sourceFiles(ROOT);
  assert.ok(files.length > 100, `found ${files.length} source files`);
  const problems: string[] = [];
  for (const path of files) {
    const source = await Deno.readTextFile(join(ROOT, path));
    if (path.endsWith(".wgsl")) {
      if (path.startsWith("tests/")) continue;
      const lines = source.split("\n").length - (source.endsWith("\n") ? 1 : 0);
      if (lines > MAX_FILE_LINES) problems.push(`${path}: ${lines} lines`);
      continue;
    }
    for (const d of lint(plugin, path, source)) problems.push(`${path}: ${d.message}`);
  }
  assert.deepEqual(problems, []);
});
