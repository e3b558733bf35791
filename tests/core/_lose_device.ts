/**
 * Test helper for issue 17 item 8: captures every WebGPU device the engine requests, and
 * `loseDevicesAfter` destroys them (a lost device, reason "destroyed") once a run folder under a
 * path has saved a checkpoint of at least the given generation. Run as a script, it is the
 * `metaforge` command line with its devices lost that way: `deno run -A _lose_device.ts SAVES OUT
 * train ...`.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const devices: GPUDevice[] = [];
const request = GPUAdapter.prototype.requestDevice;
GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
  const device = await request.call(this, d);
  devices.push(device);
  return device;
};

/** Destroys every device requested so far. */
export function loseDevices(): void {
  for (const d of devices) d.destroy();
}

/** The checkpoint generation of the first run folder under `out` (0 when none). */
function savedGeneration(out: string): number {
  try {
    const [name] = existsSync(out) ? readdirSync(out) : [];
    const file = join(out, name ?? "", "checkpoint", "state.json");
    return JSON.parse(Deno.readTextFileSync(file)).generation as number;
  } catch {
    return 0;
  }
}

/** Destroys the devices once the run under `out` has saved `saves` checkpoints; returns a stop. */
export function loseDevicesAfter(out: string, saves: number): () => void {
  const timer = setInterval(() => {
    if (savedGeneration(out) < saves) return;
    clearInterval(timer);
    loseDevices();
  }, 2);
  return () => clearInterval(timer);
}

if (import.meta.main) {
  const [saves, out, ...args] = Deno.args;
  loseDevicesAfter(out!, Number(saves));
  const { main, reportBug } = await import("../../cli/main.ts");
  Deno.exit(await main(args).catch(reportBug));
}
