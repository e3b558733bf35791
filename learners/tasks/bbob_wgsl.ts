/**
 * The BBOB suite's functions as a WGSL part (`shaders/_bbob.wgsl`), composed into every kernel that
 * evaluates them: the strategies' `bbob_eval` (bbob_device.ts) and the GA's objective kernel
 * (task kind `BBOB_OBJECTIVE_KIND`). Twin: `bbobBatch` (bbob.ts).
 * @module
 */
import bbobWgsl from "../../shaders/_bbob.wgsl" with { type: "text" };
import type { WgslPart } from "../../core/pipelines.ts";

/** `shaders/_bbob.wgsl`: `bbob_value(fid, dim, offset)` over the including kernel's accessors. */
export const BBOB_WGSL: WgslPart = { file: "shaders/_bbob.wgsl", code: bbobWgsl };
