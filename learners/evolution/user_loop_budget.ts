/**
 * The iteration budget of a user's WGSL objective (issue 17, item 9). A loop that never ends must
 * not hang the device or, worse, "finish": lavapipe silently ends the loops of an invocation after
 * 65,535 iterations in all, so a runaway loop returned a wrong fitness with no sign of it.
 * `budgetUserLoops` rewrites the user's body so that each `for`, `while` and `loop` counts its
 * iterations and breaks out once one execution of that loop passes `USER_LOOP_LIMIT` or all loops
 * of the call together pass `USER_TOTAL_LIMIT` (USER_SOFTWARE_TOTAL_LIMIT on a software adapter);
 * the objective kernel then flags the model invalid (quarantined: never selected or copied; counted
 * in `diverged`) and counts it in `overBudget` instead of using its value. The rewrite inserts text on the same lines, so compile errors keep the user's line
 * numbers. Identifiers starting with `metaforge_` are reserved in user objectives.
 * @module
 */
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";

/** Iterations one execution of one loop may take (below lavapipe's silent cap of 65,535). */
export const USER_LOOP_LIMIT = 65_000;

/** Iterations all loops of one objective call may take together. */
export const USER_TOTAL_LIMIT = 1_000_000;

/**
 * Iterations all loops of one objective call may take together on a software adapter. Lavapipe's
 * cap counts every loop of an invocation together (loops of 40,000 and 40,000 iterations ran 40,000
 * and 25,534 there, 2026-12-03), so with USER_TOTAL_LIMIT two such loops returned a wrong fitness
 * unflagged; LOOP_BUDGET leaves the margin the engine's own kernels keep.
 */
export const USER_SOFTWARE_TOTAL_LIMIT = LOOP_BUDGET;

/**
 * The WGSL the objective kernel declares for the budget (`metaforge_tick` is called at the start
 * of every iteration of every loop of the user's body), with `total` iterations for all loops of a
 * call (USER_TOTAL_LIMIT, or USER_SOFTWARE_TOTAL_LIMIT on a software adapter).
 */
export function userBudgetWgsl(total: number): string {
  return `const METAFORGE_LOOP_LIMIT: u32 = ${USER_LOOP_LIMIT}u;
const METAFORGE_TOTAL_LIMIT: u32 = ${total}u;
var<private> metaforge_iterations: u32;
var<private> metaforge_over_budget: bool;
// Counts one iteration of a loop at its n-th iteration; true once the budget is spent.
fn metaforge_tick(n: u32) -> bool {
  metaforge_iterations += 1u;
  if (n > METAFORGE_LOOP_LIMIT || metaforge_iterations > METAFORGE_TOTAL_LIMIT) {
    metaforge_over_budget = true;
  }
  return metaforge_over_budget;
}`;
}

/** `src` with its comments replaced by spaces (newlines kept), so offsets and lines stay. */
function maskComments(src: string): string {
  const out = src.split("");
  let i = 0;
  while (i < src.length) {
    if (src.startsWith("//", i)) {
      for (; i < src.length && src[i] !== "\n"; i++) out[i] = " ";
    } else if (src.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (src.startsWith("/*", i)) (depth++, out[i] = out[i + 1] = " ", i += 2);
        else if (src.startsWith("*/", i)) (depth--, out[i] = out[i + 1] = " ", i += 2);
        else (out[i] = src[i] === "\n" ? "\n" : " ", i++);
      } while (depth > 0 && i < src.length);
    } else i++;
  }
  return out.join("");
}

/** Offset of the `{` opening the body of the loop whose keyword ends at `from` (-1: none). */
function bodyStart(masked: string, keyword: string, from: number): number {
  let i = from;
  if (keyword === "for") {
    while (/\s/.test(masked[i] ?? "")) i++;
    if (masked[i] !== "(") return -1;
    for (let depth = 0; i < masked.length; i++) {
      if (masked[i] === "(") depth++;
      else if (masked[i] === ")" && --depth === 0) break;
    }
    i++; // Past the header's ")".
  }
  for (let depth = 0; i < masked.length; i++) {
    if (masked[i] === "(") depth++;
    else if (masked[i] === ")") depth--;
    else if (masked[i] === "{" && depth === 0) return i;
  }
  return -1;
}

/**
 * The user's objective body with an iteration counter in every loop: before the loop
 * `var metaforge_loop_N = 0u; metaforge_iterations += 1u;` (its exit test), at the start of its body
 * `metaforge_loop_N++; if (metaforge_tick(metaforge_loop_N)) { break; }`, all on the same lines.
 * A body without loops is returned unchanged.
 */
export function budgetUserLoops(body: string): string {
  const masked = maskComments(body);
  const inserts: { at: number; text: string }[] = [];
  const keyword = /(?<![A-Za-z0-9_])(for|while|loop)(?![A-Za-z0-9_])/g;
  let n = 0;
  for (let m = keyword.exec(masked); m; m = keyword.exec(masked)) {
    const open = bodyStart(masked, m[1]!, m.index + m[1]!.length);
    if (open < 0) continue; // Not a loop header: the compiler reports it at the user's line.
    const v = `metaforge_loop_${n++}`;
    // Lavapipe's cap also counts each loop's exit test (a loop of n iterations uses n + 1), so the
    // loop's entry counts one iteration of the call's total, checked by the next tick.
    inserts.push({ at: m.index, text: `var ${v} = 0u; metaforge_iterations += 1u; ` });
    inserts.push({ at: open + 1, text: ` ${v}++; if (metaforge_tick(${v})) { break; }` });
  }
  let out = body;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) {
    out = out.slice(0, at) + text + out.slice(at);
  }
  return out;
}
