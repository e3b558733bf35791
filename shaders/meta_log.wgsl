// meta_log: the logged metrics of one meta-iteration, computed on the device into row `row` of a
// log table (4 floats per row): [0] mean loss (METRIC_LOSS) of the healthy models whose loss is finite (0 when
// none), [1] L2 norm of a - b over n entries (of a alone when diff is 0), [2] healthy models
// (quarantine flag metrics[m * METRIC_STRIDE + METRIC_QUARANTINED] == 0), [3] how many losses entered [0].
// The norm: invocation l sums the squares of entries l, l + 64, l + 128, ...; the 64 partial sums
// are added as a tree (32, 16, ..., 1 apart).
// CPU twin: metaLogCpu in learners/meta_train/meta_log.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_log.ts.
// Bindings: 0 metrics (models, METRIC_STRIDE) f32 read; 1 a (n) f32 read; 2 b (n) f32 read; 3 log (rows, 4)
//           f32 rw; 4 params read (parameters).
// Dispatch: one workgroup of 64.

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
  var loss = 0.0;
  var finiteLosses = 0u;
  var used = 0u;
  for (var m = 0u; m < params.models; m++) {
    if (metrics[m * METRIC_STRIDE + METRIC_QUARANTINED] != 0.0) { continue; }
    used++;
    let x = metrics[m * METRIC_STRIDE + METRIC_LOSS];
    if (finite(x)) {
      loss += x;
      finiteLosses++;
    }
  }
  var meanLoss = 0.0;
  if (finiteLosses > 0u) { meanLoss = loss / f32(finiteLosses); }
  let r = params.row * 4u;
  logRows[r] = meanLoss;
  logRows[r + 1u] = sqrt(partial[0]);
  logRows[r + 2u] = f32(used);
  logRows[r + 3u] = f32(finiteLosses);
}
