// meta_log: the logged metrics of one meta-iteration, computed on the device into row `row` of a
// log table (4 floats per row): [0] mean loss (METRIC_LOSS) of the healthy models (0 when none),
// [1] L2 norm of a - b over n entries (of a alone when diff is 0), [2] healthy models, [3] how many
// losses entered [0]. Healthy: meta_healthy of shaders/_meta_mean.wgsl (quarantine flag 0, loss and
// gradient norm finite), the models the meta-update used; the mean and count are its healthy_sum
// over the losses. Since 2026-12-03 a healthy model's loss is finite by the rule, so [3] equals
// [2]; the column stays for the log's layout (a row with [3] = 0 has no query loss).
// The norm: invocation l sums the squares of entries l, l + 64, l + 128, ...; the 64 partial sums
// are added as a tree (32, 16, ..., 1 apart).
// CPU twin: metaLogCpu in learners/meta_train/meta_log.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_log.ts.
// Bindings: 0 metrics (models, METRIC_STRIDE) f32 read; 1 a (n) f32 read; 2 b (n) f32 read; 3 log (rows, 4)
//           f32 rw; 4 params read (parameters).
// Dispatch: one workgroup of 64.

fn meta_terms(m: u32, i: u32) -> vec2<f32> {
  return vec2<f32>(metrics[m * METRIC_STRIDE + METRIC_LOSS], 0.0);
}

// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> params: Params;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) l: u32) {
  params = params_in;
  var s = 0.0;
  for (var i = l; i < params.n; i += 64u) {
    var d = a[i];
    if (params.diff != 0u) { d -= b[i]; }
    s += d * d;
  }
  partial[l] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (l < w) { partial[l] += partial[l + w]; }
    workgroupBarrier();
  }
  if (l != 0u) { return; }
  let h = healthy_sum(0u, params.models, 0u);
  let meanLoss = healthy_mean(h).x;
  let r = params.row * 4u;
  logRows[r] = meanLoss;
  logRows[r + 1u] = sqrt(partial[0]);
  logRows[r + 2u] = f32(h.used);
  logRows[r + 3u] = f32(h.used);
}
