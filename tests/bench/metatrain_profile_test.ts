/**
 * bench/metatrain_profile.ts: the CPU clock the `--metatrain` breakdown prints. The main thread's
 * time comes from /proc (Linux), so burning CPU on the main thread must show there as well as in
 * the process total.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { cpuClock, cpuSince } from "../../bench/metatrain_profile.ts";

Deno.test("cpuSince counts main-thread CPU in the process and main-thread totals", () => {
  const c = cpuClock();
  const start = process.cpuUsage();
  let x = 0;
  // Busy work on the main thread until the process has used 200 CPU-ms.
  while (process.cpuUsage(start).user < 200_000) {
    for (let i = 0; i < 100_000; i++) x += Math.sqrt(i);
  }
  const d = cpuSince(c);
  assert.ok(x > 0);
  assert.ok(d.processMs >= 200, `process ${d.processMs} CPU-ms`);
  if (Deno.build.os === "linux") {
    // /proc counts in 10 ms ticks.
    assert.ok(d.mainMs >= 150 && d.mainMs <= d.processMs + 20, `main thread ${d.mainMs} CPU-ms`);
  } else {
    assert.ok(Number.isNaN(d.mainMs));
  }
});
