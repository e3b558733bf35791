import assert from "node:assert/strict";
import {
  compiledPipelineCount,
  composeWgsl,
  getPipeline,
  wgslLocation,
} from "../../core/pipelines.ts";
import { gpuTest } from "../helpers.ts";

Deno.test("wgslLocation() maps a composed line back to its file and line", () => {
  const src = composeWgsl([{ file: "a.wgsl", code: "x\ny\n" }, { file: "b.wgsl", code: "z\nw" }]);
  assert.equal(wgslLocation(src, 1), "a.wgsl:1");
  assert.equal(wgslLocation(src, 3), "b.wgsl:1");
  assert.equal(wgslLocation(src, 4), "b.wgsl:2");
});

gpuTest("getPipeline() throws a compile error naming the kernel, file and line", async (ctx) => {
  const src = composeWgsl([
    { file: "shaders/_ok.wgsl", code: "fn helper() -> u32 { return 1u; }\n" },
    {
      file: "shaders/broken.wgsl",
      code: "@compute @workgroup_size(1)\nfn main() {\n  let x: u32 = 1.5;\n}\n",
    },
  ]);
  await assert.rejects(
    () => getPipeline(ctx, "broken_kernel", src),
    /WGSL compile error in kernel "broken_kernel" at shaders\/broken\.wgsl:3:/,
  );
});

gpuTest("getPipeline() builds a pipeline once and returns it from the cache", async (ctx) => {
  const src = composeWgsl([{
    file: "k.wgsl",
    code: "@compute @workgroup_size(1)\nfn main() {}\n",
  }]);
  const a = await getPipeline(ctx, "cached_kernel", src);
  const n = compiledPipelineCount(ctx);
  const b = await getPipeline(ctx, "cached_kernel", src);
  assert.equal(a, b);
  assert.equal(compiledPipelineCount(ctx), n);
});
