/**
 * Backend selection: `gpu`, `cpu`, or `auto` (the GPU when an adapter exists, else the CPU with
 * one line saying so).
 * @module
 */
import { GpuUnavailableError, probeAdapter } from "../core/gpu_context.ts";
import type { Backend } from "./backend.ts";
import { CpuBackend } from "./cpu_backend.ts";
import { GpuBackend } from "./gpu/gpu_backend.ts";

/** Which backend to use. */
export type BackendChoice = "auto" | "gpu" | "cpu";

/** Creates a backend; with "auto" and no adapter, logs one line and returns the CPU backend. */
export async function createBackend(
  choice: BackendChoice = "auto",
  log: (line: string) => void = (l) => console.error(l),
): Promise<Backend> {
  if (choice === "cpu") return new CpuBackend();
  try {
    return await GpuBackend.create();
  } catch (e) {
    if (choice === "gpu" || !(e instanceof GpuUnavailableError)) throw e;
    // The error's message says what is missing ("No WebGPU adapter found (...)", or no WebGPU).
    log(`${e.message}; running on the CPU backend`);
    return new CpuBackend();
  }
}

/**
 * The backend that ran, for a run's summary: "cpu", or "gpu" with the adapter's name and whether
 * it is software (lavapipe runs the kernels on the host's cores) or hardware, e.g.
 * "gpu (llvmpipe (LLVM 15.0.6, 256 bits), software)". A run's times and, where the devices round
 * differently, its numbers depend on it; the config's `backend` ("auto") does not say it.
 */
export function backendLabel(b: Backend): string {
  if (!(b instanceof GpuBackend)) return b.kind;
  const i = b.ctx.info;
  const name = i.description || i.device || "unknown adapter";
  return `gpu (${name}, ${b.ctx.software ? "software" : "hardware"})`;
}

/**
 * Whether the backend `createBackend(choice)` would return runs on the host's cores
 * (`Backend.runsOnHost`), found without creating it: "cpu" does; otherwise the adapter's kind (a
 * software adapter does), and "auto" without an adapter falls back to the CPU backend, which does.
 * "gpu" without an adapter: false (creating it fails with its own error).
 */
export async function backendRunsOnHost(choice: BackendChoice): Promise<boolean> {
  if (choice === "cpu") return true;
  const adapter = await probeAdapter();
  return adapter ? adapter.software : choice === "auto";
}
