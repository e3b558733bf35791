// evaluate: mean loss and accuracy of every model on its own eval samples, one workgroup per
// model, in chunks of B samples through the activation scratch. Twin: evaluateCpu().
//
// Bindings (group 0):
//   0 x        (N, inputs) InputT      read   (f32, or f16 when uploaded so)
//   1 y        (N, targetWidth) f32    read
//   2 evalIdx  (P, evalCount) u32      read   sample rows of model p
//   3 labelMap (P, labelMapWidth) u32  read
//   4 params   (P, stride) f32         read
//   5 scratch  (P, scratchStride) f32  rw     staged inputs and activations
//   6 results  (P, 2) f32              rw     sums of loss and of correct predictions (argmax ==
//                                            label; 0 for mse) over the samples evaluated so far
//   7 outputs  (P, evalCount, outputs) f32 rw last-layer outputs when u.mode == 1
//   8 u        MlpParams read (parameters)
// Dispatch: P / MPG workgroups of WG invocations.
// params and scratch are arrays of F32V and x of InputV: scalars, or vec4 for vec4 tile plans
// (learners/mlp/mlp_tiles_wgsl.ts); single floats go through ld_params and ld_scratch.
//
// Composed before this file by mlpKernel (learners/mlp/mlp_kernel.ts); `metaforge kernels --dump
// SHAPE --kernel evaluate` prints the whole kernel with every part marked. Symbols generated per
// shape:
//   learners/mlp/mlp_kernel.ts          InputT (f32, or f16 after `enable f16;`); MPG, ROLES, WG
//   learners/mlp/storage_views_wgsl.ts  F32V, InputV, ld_params, ld_scratch, st_scratch
//   learners/mlp/mlp_tiles_wgsl.ts      fwd_tile_RxC[_x], forward_layer (called by mlp_forward)
// (RxC: a tile's rows x columns; _x: the first layer's tiles, which read the data set.) Snippet:
// shaders/_mlp.wgsl (MlpParams, the forward pass mlp_forward, ce_loss, mse_loss, NO_DELTA).

@group(0) @binding(0) var<storage, read> x: array<InputV>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> evalIdx: array<u32>;
@group(0) @binding(3) var<storage, read> labelMap: array<u32>;
@group(0) @binding(4) var<storage, read> params: array<F32V>;
@group(0) @binding(5) var<storage, read_write> scratch: array<F32V>;
@group(0) @binding(6) var<storage, read_write> results: array<f32>;
@group(0) @binding(7) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(8) var<storage, read> u_in: MlpParams;
// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: MlpParams;

// For evaluation `slot` is the first sample of the current chunk.
fn sample_index(p: u32, slot: u32, b: u32) -> u32 {
  return evalIdx[p * u.evalCount + slot + b];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  u = u_in;
  let m = tid % MPG;
  let r = tid / MPG;
  if (group_id(wid) >= u.P) { return; }
  let p = group_id(wid) + m;
  let E = u.evalCount;
  let k = width(u.L);
  let ab = acts_base(p);
  let out_row = ab + a_off(u.L - 1u) * u.B;
  var loss_part = 0.0;
  var correct = 0.0;
  // This dispatch evaluates samples [evalStart, evalEnd): evaluation is split into dispatches so
  // that each invocation stays within a software adapter's loop budget (learners/mlp/loop_budget.ts).
  for (var c = u.evalStart; c < u.evalEnd; c += u.B) {
    let nb = min(u.B, u.evalEnd - c);
    mlp_forward(p, c, nb, r);
    if (u.lossKind == 0u) {
      for (var b = r; b < nb; b += ROLES) {
        let n = sample_index(p, c, b);
        let r = ce_loss(p, n, out_row + b, NO_DELTA, u.B, 1.0, 0.0);
        loss_part += r.loss;
        correct += select(0.0, 1.0, r.best == label_of(p, n));
      }
    } else {
      for (var b = r; b < nb; b += ROLES) {
        loss_part += mse_loss(sample_index(p, c, b), out_row + b, NO_DELTA, u.B, 1.0).loss;
      }
    }
    if (u.mode == 1u) {
      for (var b = r; b < nb; b += ROLES) {
        for (var j = 0u; j < k; j++) { outputs[(p * E + c + b) * k + j] = ld_scratch(out_row + b + j * u.B); }
      }
    }
    sync_all();
  }
  red_a[tid] = loss_part;
  red_b[tid] = correct;
  sync_shared();
  sum_over_roles(tid, r);
  if (r == 0u) {
    let keep = select(0.0, 1.0, u.evalStart > 0u);
    results[p * 2u] = keep * results[p * 2u] + red_a[m];
    results[p * 2u + 1u] = keep * results[p * 2u + 1u] + red_b[m];
  }
}
