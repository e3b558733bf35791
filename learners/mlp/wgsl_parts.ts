/**
 * WGSL snippets shared by several kernels, composed with `composeWgsl` before a kernel's own file.
 * @module
 */
import finiteWgsl from "../../shaders/_finite.wgsl" with { type: "text" };
import adamWgsl from "../../shaders/_adam.wgsl" with { type: "text" };
import type { WgslPart } from "../../core/pipelines.ts";

/** `finite(x)`: false for NaN and +-infinity. */
export const FINITE_WGSL: WgslPart = { file: "shaders/_finite.wgsl", code: finiteWgsl };

/** `adam_m`, `adam_v` and `adam_step` (on the element type AdamT): the Adam update of train_step and the meta-update kernels. */
export const ADAM_WGSL: WgslPart = { file: "shaders/_adam.wgsl", code: adamWgsl };
