/**
 * The WebGPU context: adapter, device with the limits the kernels need, a one-line adapter report,
 * and error capture that turns WebGPU validation errors into thrown errors, and a lost device into
 * a `DeviceLostError` at the next sync point.
 * @module
 */
import { DeviceLostError, forgetDevice, watchDeviceLoss } from "./device_lost.ts";

/** Thrown when no WebGPU adapter or device can be obtained; callers fall back to the CPU backend. */
export class GpuUnavailableError extends Error {
  /** Creates the error with a one-line reason. */
  constructor(message: string) {
    super(message);
    this.name = "GpuUnavailableError";
  }
}

/** Thrown for a WebGPU validation or out-of-memory error, naming the kernel when known. */
export class GpuValidationError extends Error {
  /** Creates the error with a one-line reason. */
  constructor(message: string) {
    super(message);
    this.name = "GpuValidationError";
  }
}

export { DeviceLostError };

/**
 * Limits the engine's kernels ask for; each is capped at what the adapter offers. The two size
 * limits ask for all the adapter has: a population's buffers pass 2 GiB on a large GPU (W2's
 * optimizer moments at 16,384 models take 2.8 GB), and a binding never passes 4 GiB - 4 bytes
 * (WGSL indexes a binding with u32; learners/gpu/gpu_chunks.ts splits a population into bindings
 * under the granted limit). Workgroup memory: up to 64 KiB, for the train step that keeps
 * activations there (learners/mlp/scratch_wgsl.ts; NVIDIA's Vulkan driver offers 48 KiB, lavapipe
 * 32 KiB); the other kernels use under 16 KiB.
 */
export const WANTED_LIMITS = {
  maxStorageBuffersPerShaderStage: 16,
  maxComputeWorkgroupStorageSize: 65536,
  maxComputeInvocationsPerWorkgroup: 256,
  maxStorageBufferBindingSize: 2 ** 32 - 4,
  maxBufferSize: 2 ** 52,
} as const;

/** The limits to request of an adapter that offers `have`: WANTED_LIMITS capped at `have`. */
export function requestedLimits(have: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(WANTED_LIMITS)) out[k] = Math.min(v, have[k] ?? 0);
  return out;
}

/**
 * Mesa's software Vulkan driver prints an error line when XDG_RUNTIME_DIR is unset; point it at a
 * private temporary folder (mode 0700) in that case. Harmless elsewhere.
 */
function ensureRuntimeDir(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/metaforge-xdg-${Deno.uid() ?? 0}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.chmodSync(dir, 0o700);
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  } catch {
    // Without env or write permission, keep the environment as it is.
  }
}

/** Whether an adapter is a software rasterizer (lavapipe, llvmpipe, SwiftShader, WARP). */
function isSoftware(info: GPUAdapterInfo): boolean {
  return info.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|software|warp/i.test(`${info.description} ${info.device}`);
}

/**
 * The adapter `GpuContext.create` would get, asked without creating a device: whether it is a
 * software one, or null when WebGPU or an adapter is missing.
 */
export async function probeAdapter(): Promise<{ software: boolean } | null> {
  ensureRuntimeDir();
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    return adapter ? { software: isSoftware(adapter.info) } : null;
  } catch {
    return null;
  }
}

/** Options for `GpuContext.create`. */
export interface GpuContextOptions {
  /** Power preference passed to requestAdapter. */
  powerPreference?: GPUPowerPreference;
}

/** An adapter and device ready for the engine's kernels. */
export class GpuContext {
  /** The WebGPU device. */
  readonly device: GPUDevice;
  /** The adapter's info. */
  readonly info: GPUAdapterInfo;
  /** True when the adapter is a software rasterizer (lavapipe, llvmpipe, SwiftShader, WARP). */
  readonly software: boolean;
  /** Whether the device was created with subgroup operations. */
  readonly subgroups: boolean;
  /** Whether the device was created with f16 in shaders (shader-f16): f16 data-set inputs. */
  readonly shaderF16: boolean;
  #errors: string[] = [];
  #lost: string | undefined;

  private constructor(
    device: GPUDevice,
    info: GPUAdapterInfo,
    software: boolean,
    subgroups: boolean,
    shaderF16 = false,
  ) {
    this.device = device;
    this.info = info;
    this.software = software;
    this.subgroups = subgroups;
    this.shaderF16 = shaderF16;
    device.addEventListener("uncapturederror", (ev) => {
      this.#errors.push((ev as GPUUncapturedErrorEvent).error.message.trim().split("\n")[0] ?? "");
    });
    const lost = device.lost.then((l) =>
      `${l.reason ?? "unknown"}: ${l.message.trim().split("\n")[0]}`
    );
    lost.then((reason) => (this.#lost = reason));
    watchDeviceLoss(this, lost);
  }

  /** Requests an adapter and a device; throws GpuUnavailableError when WebGPU is missing. */
  static async create(options: GpuContextOptions = {}): Promise<GpuContext> {
    ensureRuntimeDir();
    // Typed for any global scope: the ProtoNet helper thread (a worker) imports this module too.
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) {
      throw new GpuUnavailableError(
        "WebGPU is not available in this runtime (navigator.gpu missing)",
      );
    }
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter({
        powerPreference: options.powerPreference ?? "high-performance",
      });
    } catch (e) {
      throw new GpuUnavailableError(`No WebGPU adapter: ${(e as Error).message}`);
    }
    if (!adapter) {
      throw new GpuUnavailableError(
        "No WebGPU adapter found (on a machine without a GPU, install mesa-vulkan-drivers)",
      );
    }
    const requiredLimits = requestedLimits(adapter.limits as unknown as Record<string, number>);
    const requiredFeatures: GPUFeatureName[] = [];
    const subgroups = adapter.features.has("subgroups" as GPUFeatureName);
    if (subgroups) requiredFeatures.push("subgroups" as GPUFeatureName);
    const shaderF16 = adapter.features.has("shader-f16");
    if (shaderF16) requiredFeatures.push("shader-f16");
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    } catch (e) {
      throw new GpuUnavailableError(`Cannot create a WebGPU device: ${(e as Error).message}`);
    }
    const info = adapter.info;
    return new GpuContext(device, info, isSoftware(info), subgroups, shaderF16);
  }

  /** One line describing the adapter: name, software or hardware, vendor and backend. */
  describe(): string {
    const i = this.info;
    const name = i.description || i.device || "unknown adapter";
    const kind = this.software ? "software" : "hardware";
    return `WebGPU adapter: ${name} (${kind}; vendor ${i.vendor || "?"}, architecture ${
      i.architecture || "?"
    })`;
  }

  /** The device limit named `name`. */
  limit(name: keyof typeof WANTED_LIMITS): number {
    return (this.device.limits as unknown as Record<string, number>)[name] ?? 0;
  }

  /**
   * Throws a `DeviceLostError` when the device was lost, else the first validation error captured
   * since the last check (called at each sync point).
   */
  throwIfErrors(where: string): void {
    if (this.#lost !== undefined) throw new DeviceLostError(where, this.#lost);
    if (this.#errors.length === 0) return;
    const first = this.#errors[0];
    const more = this.#errors.length > 1 ? ` (+${this.#errors.length - 1} more)` : "";
    this.#errors = [];
    throw new GpuValidationError(`WebGPU error during ${where}: ${first}${more}`);
  }

  /** Whether the device has been lost. */
  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /**
   * Waits for a readback that failed (a lost device rejects it): throws a `DeviceLostError` when
   * the device was lost (its loss is reported asynchronously, so this waits up to `ms` for it),
   * else rethrows `error`.
   */
  async failedReadback(where: string, error: unknown, ms = 200): Promise<never> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.device.lost,
      new Promise((r) => (timer = setTimeout(r, ms))),
    ]);
    clearTimeout(timer);
    await Promise.resolve();
    this.throwIfErrors(where);
    throw error;
  }

  /** Waits until all submitted work is done, then reports captured errors. */
  async sync(where = "sync"): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfErrors(where);
  }

  /** Destroys the device. */
  destroy(): void {
    forgetDevice(this);
    this.device.destroy();
  }
}
