/**
 * The shape check of the code, as a `deno lint` plugin (so `deno task check` runs it): no file over
 * 400 lines and no function over 80 lines outside tests and data tables, and no `instanceof` of a
 * backend class outside `learners/`. `tests/tools/shape_lint_test.ts` runs it over the whole tree.
 *
 * - A file's length is its count of physical lines, less the lines of its data tables.
 * - A function is any function declaration, function expression, arrow function or method; its
 *   length counts from its first line (the signature) to its closing brace, nested functions
 *   included.
 * - A data table is a top-level `const` whose initializer is an array or object literal (through
 *   `as const` / `satisfies`) holding only literals: numbers, strings without substitutions,
 *   booleans, null and nested arrays or objects of them. Its lines do not count towards the file.
 * - A backend class is any name `Gpu*` or `Cpu*` that does not end in `Error` (GpuBackend,
 *   GpuPopulation, GpuDataset, GpuContext, CpuBackend, CpuPopulation, CpuDataset, ...) and
 *   `EvolveGpu`: code outside `learners/` must not ask which backend it has.
 * - Files under `tests/` are not checked. Nothing else is exempt.
 * @module
 */

/** At most this many lines per file (data tables excluded). */
export const MAX_FILE_LINES = 400;
/** At most this many lines per function. */
export const MAX_FUNCTION_LINES = 80;

const ROOT = new URL("..", import.meta.url).pathname;

/** The repository-relative path of `filename`, with forward slashes. */
export function repoPath(filename: string): string {
  const f = filename.replaceAll("\\", "/").replace(/^file:\/\//, "");
  return f.startsWith(ROOT) ? f.slice(ROOT.length) : f;
}

/** Whether `name` names a backend class (see the module doc). */
export function isBackendClass(name: string): boolean {
  return (/^(Gpu|Cpu)[A-Z]\w*$/.test(name) && !name.endsWith("Error")) || name === "EvolveGpu";
}

type Node = Deno.lint.Node;
type FunctionNode =
  | Deno.lint.FunctionDeclaration
  | Deno.lint.FunctionExpression
  | Deno.lint.ArrowFunctionExpression;

function lineSpan(text: string, range: Deno.lint.Range): number {
  let n = 1;
  for (let i = range[0]; i < range[1]; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function isLiteralData(node: Node): boolean {
  switch (node.type) {
    case "Literal":
      return true;
    case "TemplateLiteral":
      return node.expressions.length === 0;
    case "UnaryExpression":
      return node.operator === "-" && node.argument.type === "Literal";
    case "TSAsExpression":
    case "TSSatisfiesExpression":
      return isLiteralData(node.expression);
    case "ArrayExpression":
      return node.elements.every((e) => e !== null && isLiteralData(e));
    case "ObjectExpression":
      return node.properties.every((p) =>
        p.type === "Property" && !p.computed && isLiteralData(p.value as Node)
      );
    default:
      return false;
  }
}

function isTable(node: Node): boolean {
  const init = node.type === "TSAsExpression" || node.type === "TSSatisfiesExpression"
    ? node.expression
    : node;
  return (init.type === "ArrayExpression" || init.type === "ObjectExpression") &&
    isLiteralData(init);
}

/** Lines of the file's top-level data tables (see the module doc). */
function tableLines(program: Deno.lint.Program, text: string): number {
  let n = 0;
  for (let stmt of program.body as Node[]) {
    if (stmt.type === "ExportNamedDeclaration" && stmt.declaration) stmt = stmt.declaration;
    if (stmt.type !== "VariableDeclaration" || stmt.kind !== "const") continue;
    for (const d of stmt.declarations) {
      if (d.init && isTable(d.init)) n += lineSpan(text, stmt.range);
    }
  }
  return n;
}

function functionName(node: FunctionNode): string {
  if ((node.type === "FunctionDeclaration" || node.type === "FunctionExpression") && node.id) {
    return node.id.name;
  }
  const parent = node.parent;
  if (parent?.type === "MethodDefinition" || parent?.type === "Property") {
    return parent.key.type === "Identifier" ? parent.key.name : "(method)";
  }
  if (parent?.type === "VariableDeclarator" && parent.id.type === "Identifier") {
    return parent.id.name;
  }
  return "(anonymous)";
}

/**
 * The plugin, with rules `file-length`, `function-length` and `backend-instanceof`; files under
 * `tests/` and the repository-relative paths in `exempt` are not checked.
 */
export function createShapePlugin(exempt: ReadonlySet<string>): Deno.lint.Plugin {
  const isChecked = (path: string) => !path.startsWith("tests/") && !exempt.has(path);
  return {
    name: "shape",
    rules: {
      "file-length": {
        create(ctx) {
          return {
            Program(node) {
              if (!isChecked(repoPath(ctx.filename))) return;
              const text = ctx.sourceCode.text;
              const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
              const counted = lines - tableLines(node, text);
              if (counted > MAX_FILE_LINES) {
                ctx.report({
                  range: [0, Math.min(text.length, text.indexOf("\n") + 1 || text.length)],
                  message: `File has ${counted} lines (at most ${MAX_FILE_LINES} outside tests ` +
                    `and data tables)`,
                  hint: "Split it one concept per file",
                });
              }
            },
          };
        },
      },
      "function-length": {
        create(ctx) {
          const check = (node: FunctionNode) => {
            if (!isChecked(repoPath(ctx.filename))) return;
            const n = lineSpan(ctx.sourceCode.text, node.range);
            if (n > MAX_FUNCTION_LINES) {
              ctx.report({
                node,
                message: `Function ${functionName(node)} has ${n} lines (at most ` +
                  `${MAX_FUNCTION_LINES} outside tests and data tables)`,
                hint: "Split it into named phases",
              });
            }
          };
          return {
            FunctionDeclaration: check,
            FunctionExpression: check,
            ArrowFunctionExpression: check,
          };
        },
      },
      "backend-instanceof": {
        create(ctx) {
          return {
            BinaryExpression(node) {
              const path = repoPath(ctx.filename);
              if (node.operator !== "instanceof" || path.startsWith("learners/")) return;
              if (!isChecked(path)) return;
              if (node.right.type === "Identifier" && isBackendClass(node.right.name)) {
                ctx.report({
                  node,
                  message: `instanceof ${node.right.name} outside learners/ asks which backend ` +
                    `it has`,
                  hint: "Make it a method of the Backend or Population interface",
                });
              }
            },
          };
        },
      },
    },
  };
}

/** The shape plugin of `deno lint`; no file outside tests/ is exempt. */
const plugin: Deno.lint.Plugin = createShapePlugin(new Set());
export default plugin;
