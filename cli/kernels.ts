/**
 * `metaforge kernels --dump SHAPE`: prints the composed WGSL of the train-step and evaluate
 * kernels that the engine compiles for a network shape, with a comment at every part boundary.
 * @module
 */
import { parseArgs } from "node:util";
import { chooseKernel, dumpMlpKernel, type MlpKernelName } from "../learners/mlp/kernel_dump.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { type MlpGrouping, parseGroupingKey } from "../learners/mlp/mlp_uniform.ts";
import { HARDWARE_GROUPING } from "../learners/gpu/gpu_kernels.ts";

const HELP = `Usage: metaforge kernels --dump SHAPE [options]

Prints the composed WGSL of the train_step and evaluate kernels for an MLP of widths SHAPE
(inputs-hidden...-outputs, e.g. 32-64-5), as the engine compiles it: generated constants, shared
snippets, generated register tiles and the kernel file, each part preceded by a line
"// ==== part i/n: FILE ====". Activation and loss are run-time parameters: one source serves all.

Options:
  --dump SHAPE        widths joined by "-", 3 to 5 of them, each in [1, 256] (required)
  --batch N           samples per model-step, in [1, 1024] (default 32)
  --kernel K          train_step | evaluate | both (default both)
  --grouping G        software (default: the grouping a software adapter gets), hardware
                      (1 model x 64 invocations, hardware tile plan) or MxR (M models x R
                      invocations per workgroup, powers of two, M*R <= 256)
  --scalar            scalar tiles even where the shape allows vec4 tiles
  --f16               f16 data-set inputs (the kernel opens with "enable f16;")
  -h, --help          this help

A bad option prints one line and exits with code 2.`;

/** Thrown for a bad option: one line, exit code 2. */
class KernelsUsageError extends Error {}

function parseShape(shape: string | undefined): number[] {
  if (shape === undefined) throw new KernelsUsageError("kernels needs --dump SHAPE (e.g. 32-64-5)");
  const widths = shape.split("-").map(Number);
  if (
    widths.length < 3 || widths.length > 5 ||
    widths.some((w) => !Number.isInteger(w) || w < 1 || w > 256)
  ) {
    throw new KernelsUsageError(
      `Invalid --dump: must be 3 to 5 widths in [1, 256] joined by "-" (e.g. 32-64-5): current value is ${shape}`,
    );
  }
  return widths;
}

function parseBatch(v: string | undefined): number {
  const n = Number(v ?? 32);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new KernelsUsageError(
      `Invalid --batch: must be an integer in [1, 1024]: current value is ${v}`,
    );
  }
  return n;
}

function parseGrouping(v: string): { grouping?: MlpGrouping; software: boolean } {
  if (v === "software") return { software: true };
  if (v === "hardware") return { grouping: HARDWARE_GROUPING, software: false };
  const grouping = parseGroupingKey(v);
  if (!grouping) {
    throw new KernelsUsageError(
      `Invalid --grouping: must be software, hardware or MxR (powers of two, M*R <= 256): current value is ${v}`,
    );
  }
  return { grouping, software: true };
}

function parseKernels(v: string): MlpKernelName[] {
  if (v === "both") return ["train_step", "evaluate"];
  if (v === "train_step" || v === "evaluate") return [v];
  throw new KernelsUsageError(
    `Invalid --kernel: must be train_step, evaluate or both: current value is ${v}`,
  );
}

/** The dump text of the command's options (throws KernelsUsageError on a bad one). */
function dump(args: string[]): string | undefined {
  const { values } = parseArgs({
    args,
    options: {
      dump: { type: "string" },
      batch: { type: "string" },
      kernel: { type: "string", default: "both" },
      grouping: { type: "string", default: "software" },
      scalar: { type: "boolean", default: false },
      f16: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return undefined;
  const widths = parseShape(values.dump);
  const batchSize = parseBatch(values.batch);
  const kernels = parseKernels(values.kernel);
  const { grouping, software } = parseGrouping(values.grouping);
  let choice;
  try {
    const layout = mlpLayout({ size: 1, widths, batchSize });
    choice = chooseKernel(layout, {
      grouping,
      software,
      scalar: values.scalar,
      precision: values.f16 ? "f16" : "f32",
    });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new KernelsUsageError(e.message);
    throw e;
  }
  return kernels.map((k) => dumpMlpKernel(k, choice)).join("\n");
}

/** Runs `metaforge kernels ARGS`; returns the exit code (2 with one line on stderr for bad input). */
export function kernelsCommand(args: string[]): number {
  let text: string | undefined;
  try {
    text = dump(args);
  } catch (e) {
    const parse = (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!(e instanceof KernelsUsageError) && !parse) throw e;
    console.error(`metaforge: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  console.log(text === undefined ? HELP : text.replace(/\n$/, ""));
  return 0;
}
