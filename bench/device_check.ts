/**
 * The checks of the GPU run (bench/device.sh): `adapter` refuses any adapter that is not an NVIDIA
 * GPU (a software one such as lavapipe is refused, exit 3); `flops DIR/bench.csv` prints each
 * GPU row's FLOP/s as a fraction of the adapter's FP32 peak (from FP32_PEAK_TFLOPS below, or the
 * environment variable METAFORGE_FP32_PEAK_TFLOPS).
 * @module
 */
import { formatFixed } from "../core/format.ts";
import { GpuContext, GpuUnavailableError } from "../core/gpu_context.ts";

/** FP32 (non-tensor-core) peak TFLOP/s of NVIDIA GPUs, by a pattern of the adapter's name. */
export const FP32_PEAK_TFLOPS: readonly [RegExp, number][] = [
  [/H200|H100.*SXM|H100 80GB HBM3/i, 66.9],
  [/H100/i, 51.2],
  [/A100/i, 19.5],
  [/L40S/i, 91.6],
  [/L4\b/i, 30.3],
  [/A10\b/i, 31.2],
  [/RTX 4090/i, 82.6],
  [/T4\b/i, 8.1],
];

/** The adapter fields the check reads. */
export interface AdapterFacts {
  vendor: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}

/** The adapter's name: description, else device. */
function adapterName(a: AdapterFacts): string {
  return a.description || a.device || "?";
}

/** Why `a` is not an NVIDIA hardware adapter, or undefined when it is one. */
export function refuseAdapter(a: AdapterFacts): string | undefined {
  const name = adapterName(a);
  if (a.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software|warp/i.test(name)) {
    return `adapter ${name} is a software adapter, not an NVIDIA GPU`;
  }
  if (!/nvidia/i.test(`${a.vendor} ${name}`) && !/^(4318|0x10de)$/i.test(a.vendor)) {
    return `adapter ${name} (vendor ${a.vendor || "?"}) is not an NVIDIA GPU`;
  }
  return undefined;
}

/** FP32 peak FLOP/s of the adapter: the environment's override, the table, or undefined. */
export function fp32Peak(a: AdapterFacts, env: string | undefined): number | undefined {
  if (env !== undefined && Number(env) > 0) return Number(env) * 1e12;
  const hit = FP32_PEAK_TFLOPS.find(([re]) => re.test(adapterName(a)));
  return hit ? hit[1] * 1e12 : undefined;
}

/** Lines giving each "gpu" row of a bench.csv as a fraction of `peak` FLOP/s. */
export function flopsLines(csv: string, peak: number): string[] {
  // The engine's rows have no quoted fields (only peer rows carry free text, in later columns).
  const [head, ...lines] = csv.trim().split("\n").map((l) => l.split(","));
  const rows = lines.map((l) => Object.fromEntries(head!.map((h, i) => [h, l[i] ?? ""])));
  return rows.filter((r) => r.backend === "gpu").map((r) => {
    const flops = Number(r.gflops) * 1e9;
    return `${r.workload} P=${r.population}: ${formatFixed(flops / 1e12, 3)} TFLOP/s = ${
      formatFixed(100 * flops / peak, 2)
    }% of FP32 peak (${formatFixed(peak / 1e12, 1)} TFLOP/s)`;
  });
}

/** Runs `adapter` or `flops CSV`; returns the exit code. */
async function main(args: string[]): Promise<number> {
  let ctx: GpuContext;
  try {
    ctx = await GpuContext.create();
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    console.error(`device_check: ${e.message}`);
    return 3;
  }
  console.log(ctx.describe());
  console.log(
    `granted: maxBufferSize ${ctx.limit("maxBufferSize")}, maxStorageBufferBindingSize ${
      ctx.limit("maxStorageBufferBindingSize")
    } (the engine asks for all the adapter offers, bindings under 4 GiB)`,
  );
  const refused = refuseAdapter(ctx.info);
  if (refused) {
    console.error(`device_check: ${refused}; the GPU run needs an NVIDIA GPU through Vulkan`);
    return 3;
  }
  if (args[0] === "flops" && args[1]) {
    const peak = fp32Peak(ctx.info, Deno.env.get("METAFORGE_FP32_PEAK_TFLOPS"));
    if (peak === undefined) {
      console.log("FP32 peak unknown for this GPU: set METAFORGE_FP32_PEAK_TFLOPS");
      return 0;
    }
    for (const line of flopsLines(await Deno.readTextFile(args[1]), peak)) console.log(line);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
