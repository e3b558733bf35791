/**
 * `GpuDataset`: a data set uploaded once to a WebGPU device (inputs as f32, or f16 on request).
 * @module
 */
import { createStorageBuffer, createStorageBufferFrom } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import type { BackendDataset, InputPrecision, UploadOptions } from "../backend.ts";
import { checkInputPrecision, type Dataset, validateDataset } from "../dataset.ts";

/** A data set uploaded once to the GPU. */
export class GpuDataset implements BackendDataset {
  /** Number of samples. */
  readonly count: number;
  /** Input width. */
  readonly inputs: number;
  /** Targets per sample (1 for class labels). */
  readonly targetWidth: number;
  /** Number of classes; 0 for regression. */
  readonly classes: number;
  /** (count, inputs) f32, or f16 (padded to 4 bytes) when inputPrecision is "f16". */
  readonly x: GPUBuffer;
  /** Storage precision of the inputs. */
  readonly inputPrecision: InputPrecision;
  /** (count, targetWidth) f32. */
  readonly y: GPUBuffer;
  /** The context it lives on. */
  readonly ctx: GpuContext;

  /** Validates and uploads (f16 inputs need the device feature shader-f16). */
  constructor(ctx: GpuContext, d: Dataset, options: UploadOptions = {}) {
    validateDataset(d);
    this.ctx = ctx;
    this.count = d.count;
    this.inputs = d.inputs;
    this.targetWidth = d.targetWidth;
    this.classes = d.classes;
    this.inputPrecision = checkInputPrecision(options.inputPrecision);
    if (this.inputPrecision === "f16") {
      if (!ctx.shaderF16) {
        throw new RangeError(
          `Invalid inputPrecision: "f16" needs the adapter feature shader-f16, which ${ctx.describe()} lacks (use "f32")`,
        );
      }
      // Rounded to the nearest f16 (as the CPU backend does); padded to a multiple of 4 bytes.
      const half = new Float16Array(Math.ceil(d.x.length / 2) * 2);
      half.set(d.x);
      this.x = createStorageBuffer(ctx, half.byteLength, "dataset-x-f16");
      ctx.device.queue.writeBuffer(this.x, 0, half);
    } else this.x = createStorageBufferFrom(ctx, d.x, "dataset-x");
    this.y = createStorageBufferFrom(ctx, d.y, "dataset-y");
  }

  /** Frees the buffers. */
  destroy(): void {
    this.x.destroy();
    this.y.destroy();
  }
}
