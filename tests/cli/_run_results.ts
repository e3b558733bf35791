/**
 * What the cluster tests compare between two runs: a run folder's result files with every timing
 * field left out (metrics.csv columns, summary.json lines, report.md lines and table columns), and
 * the backend lines: where a run computed ("cluster", "cpu (2 method workers)", "cpu") is what
 * those tests vary, not a result.
 */
import { join } from "node:path";

const LEFT_OUT = /second|started|finished|duration|_at\b|At"|per_s|"backend": |^\| backend \|/i;

/** Markdown without timing lines or the timing columns of its tables. */
function noTimingMarkdown(md: string): string {
  const lines = md.split("\n");
  let drop: number[] = [];
  const out: string[] = [];
  lines.forEach((line, k) => {
    const cells = line.split("|");
    if (!line.startsWith("|")) drop = [];
    else if (lines[k + 1]?.startsWith("| ---")) {
      drop = cells.map((c, i) => (LEFT_OUT.test(c) ? i : -1)).filter((i) => i >= 0);
    }
    if (LEFT_OUT.test(line) && drop.length === 0) return;
    out.push(cells.filter((_, i) => !drop.includes(i)).join("|"));
  });
  return out.join("\n");
}

/** The one run folder under `out`. */
export async function runDir(out: string): Promise<string> {
  for await (const e of Deno.readDir(out)) if (e.isDirectory) return join(out, e.name);
  throw new Error(`no run folder in ${out}`);
}

/** The summary's `backend` of the one run folder under `out`: where it computed. */
export async function summaryBackend(out: string): Promise<string> {
  const summary = JSON.parse(await Deno.readTextFile(join(await runDir(out), "summary.json")));
  return summary.metrics.backend;
}

/** The run's metrics, summary and report without timing fields, and the extra files as they are. */
export async function runResults(
  out: string,
  extra: string[] = [],
): Promise<Record<string, string>> {
  const dir = await runDir(out);
  const read = (f: string) => Deno.readTextFile(join(dir, f));
  const csv = (await read("metrics.csv")).trim().split("\n").map((l) => l.split(","));
  const keep = csv[0]!.map((h, i) => (LEFT_OUT.test(h) ? -1 : i)).filter((i) => i >= 0);
  const noTiming = (t: string) => t.split("\n").filter((l) => !LEFT_OUT.test(l)).join("\n");
  const files: Record<string, string> = {
    metrics: csv.map((row) => keep.map((i) => row[i]).join(",")).join("\n"),
    summary: noTiming(await read("summary.json")),
    report: noTimingMarkdown(await read("report.md")),
  };
  for (const f of extra) files[f] = await read(f);
  return files;
}
