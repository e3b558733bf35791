/**
 * Loads a run's dashboard.html in headless Chromium: no console messages or errors, every plot
 * in the DOM, and the inline table sorting works. Skipped (with the reason printed) when
 * /usr/bin/chromium is missing, unless the CI environment variable is set: then it fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../core/experiment.ts";
import { toyExperiment } from "./_toy_experiment.ts";
import { withTempDir } from "../_temp_dir.ts";

const CHROMIUM = "/usr/bin/chromium";
const inCi = Boolean(Deno.env.get("CI"));
const hasChromium = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);
if (!hasChromium) {
  console.error(
    inCi
      ? `dashboard browser test will FAIL: ${CHROMIUM} is missing and CI is set (apt-get install chromium)`
      : `dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)`,
  );
}

interface BrowserResult {
  dom: string;
  consoleLines: string[];
}

async function dumpDom(url: string): Promise<BrowserResult> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,900",
        "--dump-dom",
        url,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const log = new TextDecoder().decode(stderr);
    assert.equal(code, 0, `chromium exited with ${code}: ${log.slice(-2000)}`);
    const consoleLines = log.split("\n").filter((l) => /CONSOLE|Uncaught/.test(l));
    return { dom: new TextDecoder().decode(stdout), consoleLines };
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "dashboard.html loads in headless Chromium without console errors and shows its plots",
  ignore: !hasChromium && !inCi,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing and CI is set`);
    await withTempDir(async (tmp) => {
      const out = await runExperiment(toyExperiment(), {
        scale: "smoke",
        dir: join(tmp, "run"),
        quiet: true,
      });
      const page = join(out.dir, "dashboard.html");

      const original = await dumpDom(`file://${page}`);
      assert.deepEqual(original.consoleLines, []);
      assert.equal(original.dom.match(/<svg /g)?.length, 3);
      for (const name of ["loss", "finals", "raw"]) {
        assert.ok(
          original.dom.includes(`<figure id="plot-${name}">`),
          `plot ${name} missing from the DOM`,
        );
      }
      assert.equal(original.dom.match(/class="series-line"/g)?.length, 1);
      assert.equal(original.dom.match(/class="bar"/g)?.length, 2);

      // A copy that clicks the "loss" header of the per-seed table twice (descending order).
      const html = await Deno.readTextFile(page);
      const probe = `<script>
(function () {
  var table = document.querySelectorAll("#tables table.sortable")[0];
  var th = table.tHead.rows[0].cells[1];
  th.click(); th.click();
  var order = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[0].textContent; });
  document.body.setAttribute("data-sorted", order.join(",") + ";" + th.getAttribute("aria-sort"));
})();
</script>
</body>`;
      const copy = join(out.dir, "dashboard_probe.html");
      await Deno.writeTextFile(copy, html.replace("</body>", probe));
      const sorted = await dumpDom(`file://${copy}`);
      assert.deepEqual(sorted.consoleLines, []);
      assert.match(sorted.dom, /data-sorted="1,0;descending"/);

      // A plot file on its own parses as SVG (XML): no parser error page.
      const svg = await dumpDom(`file://${join(out.dir, "plots", "loss.svg")}`);
      assert.deepEqual(svg.consoleLines, []);
      assert.ok(
        !/parsererror|This page contains the following errors/.test(svg.dom),
        svg.dom.slice(0, 500),
      );
      assert.match(svg.dom, /class="series-band"/);
    });
  },
});
