// meta_hvp: one step back through an inner SGD step of second-order MAML (Finn et al. 2017) for
// every model of a meta-batch: v <- v - lr * H v, with H the Hessian of the model's mean support
// batch loss at its parameters theta_k (the row it had before inner step k), by Pearlmutter's
// R-operator (1994): forward and R-forward, output deltas and their R, backward and R-backward,
// sample by sample; H v is accumulated in hv, then v is updated. Losses: softmax cross-entropy
// (labels through the model's label-map row when labelWidth > 0) or MSE over the outputs; hidden
// activation relu or tanh. No label smoothing. f32 inputs only.
// A dispatch runs the support samples [sampleStart, sampleEnd) of every model: sample 0 writes hv,
// the others add to it; with update = 1 the invocation then sets v <- v - lr hv itself, else
// meta_hvp_update.wgsl does once the last range ran. On a software adapter, whose driver stops an
// invocation's loops after 65,535 iterations, the batch is split into several dispatches
// (hvpPlan in learners/meta_train/meta_hvp.ts); the sums are the same, in the same order.
// CPU twin: hvpStepCpu (lossGradHvpCpu per model) in learners/meta_train/maml_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_hvp.ts.
// Bindings: 0 x (count, inputs) f32 read; 1 y (count, targetWidth) f32 read; 2 batches (models,
//           rowLen) u32 read (the support batch is entries 0 .. batchSize - 1 of a row);
//           3 labelMap (models, labelWidth) u32 read; 4 theta (models, stride) f32 read;
//           5 v (models, stride) f32 rw; 6 hv (models, stride) f32 rw (scratch);
//           7 scratch (models, 4 * actWidth) f32 rw: a, R{z}, d, R{d} of one sample;
//           8 params read (parameters).
// What hv holds before sample 0 is not used; hv's and v's padding (paramCount .. stride) are left
// alone.
// One invocation per model; dispatch: ceil(models / 8) workgroups of 8 (2-D grid of width gridX).

// Activation derivative and second derivative through the output a.
fn act_d(a: f32) -> vec2<f32> {
  if (params.activation == 0u) { return vec2<f32>(select(0.0, 1.0, a > 0.0), 0.0); }
  let d = 1.0 - a * a;
  return vec2<f32>(d, -2.0 * a * d);
}

// The layer-l input i of sample row n: the data for l = 0, else the previous layer's output.
fn input_of(s: u32, n: u32, l: u32, i: u32) -> f32 {
  if (l == 0u) { return x[n * params.widths[0] + i]; }
  return scratch[s + params.actOffset[l - 1u] + i];
}

// R{input}: 0 for the data, else act'(a) R{z} of the previous layer.
fn r_input_of(s: u32, l: u32, i: u32) -> f32 {
  if (l == 0u) { return 0.0; }
  let o = params.actOffset[l - 1u] + i;
  return act_d(scratch[s + o]).x * scratch[s + params.actWidth + o];
}

fn forward_r(p: u32, s: u32, n: u32) {
  let th = p * params.stride;
  for (var l = 0u; l < params.layers; l++) {
    let fin = params.widths[l];
    for (var j = 0u; j < params.widths[l + 1u]; j++) {
      var z = theta[th + params.biasOffset[l] + j];
      var r = v[th + params.biasOffset[l] + j];
      let w = params.weightOffset[l] + j * fin;
      for (var i = 0u; i < fin; i++) {
        let ain = input_of(s, n, l, i);
        z += theta[th + w + i] * ain;
        r += v[th + w + i] * ain + theta[th + w + i] * r_input_of(s, l, i);
      }
      let o = params.actOffset[l] + j;
      if (l + 1u == params.layers) {
        scratch[s + o] = z;
      } else if (params.activation == 0u) {
        scratch[s + o] = max(z, 0.0);
      } else {
        scratch[s + o] = tanh(z);
      }
      scratch[s + params.actWidth + o] = r;
    }
  }
}

// Output deltas d and R{d} of sample row n (times scale) into the d and R{d} parts of the scratch.
fn output_delta_r(p: u32, s: u32, n: u32, scale: f32) {
  let k = params.widths[params.layers];
  let off = params.actOffset[params.layers - 1u];
  let A = params.actWidth;
  if (params.lossKind == 1u) {
    for (var j = 0u; j < k; j++) {
      let diff = scratch[s + off + j] - y[n * params.targetWidth + j];
      scratch[s + 2u * A + off + j] = (2.0 * diff / f32(k)) * scale;
      scratch[s + 3u * A + off + j] = (2.0 * scratch[s + A + off + j] / f32(k)) * scale;
    }
    return;
  }
  let raw = u32(y[n * params.targetWidth]);
  var label = raw;
  if (params.labelWidth > 0u) { label = labelMap[p * params.labelWidth + raw]; }
  label = min(label, k - 1u);
  var m = scratch[s + off];
  for (var j = 1u; j < k; j++) { m = max(m, scratch[s + off + j]); }
  var sum = 0.0;
  for (var j = 0u; j < k; j++) { sum += exp(scratch[s + off + j] - m); }
  var sr = 0.0;
  for (var j = 0u; j < k; j++) { sr += exp(scratch[s + off + j] - m) / sum * scratch[s + A + off + j]; }
  for (var j = 0u; j < k; j++) {
    let sm = exp(scratch[s + off + j] - m) / sum;
    scratch[s + 2u * A + off + j] = (sm - select(0.0, 1.0, j == label)) * scale;
    scratch[s + 3u * A + off + j] = (sm * scratch[s + A + off + j] - sm * sr) * scale;
  }
}

// hv[k] <- 0 + h for sample 0, else hv[k] + h: the bits the kernel gave when it cleared hv first
// (a branch storing h alone instead compiles to different roundings on lavapipe).
fn add_hv(k: u32, h: f32, first: bool) {
  hv[k] = select(hv[k], 0.0, first) + h;
}

fn backward_r(p: u32, s: u32, n: u32, first: bool) {
  let th = p * params.stride;
  let A = params.actWidth;
  for (var l = params.layers; l > 0u; l--) {
    let li = l - 1u;
    let fin = params.widths[li];
    for (var j = 0u; j < params.widths[l]; j++) {
      let dj = scratch[s + 2u * A + params.actOffset[li] + j];
      let rdj = scratch[s + 3u * A + params.actOffset[li] + j];
      add_hv(th + params.biasOffset[li] + j, rdj, first);
      let w = params.weightOffset[li] + j * fin;
      for (var i = 0u; i < fin; i++) {
        add_hv(th + w + i, rdj * input_of(s, n, li, i) + dj * r_input_of(s, li, i), first);
      }
    }
    if (li == 0u) { break; }
    let inOff = params.actOffset[li - 1u];
    for (var i = 0u; i < fin; i++) {
      var sum = 0.0;
      var rsum = 0.0;
      for (var j = 0u; j < params.widths[l]; j++) {
        let wi = th + params.weightOffset[li] + j * fin + i;
        let dj = scratch[s + 2u * A + params.actOffset[li] + j];
        sum += theta[wi] * dj;
        rsum += v[wi] * dj + theta[wi] * scratch[s + 3u * A + params.actOffset[li] + j];
      }
      let g = act_d(scratch[s + inOff + i]);
      scratch[s + 2u * A + inOff + i] = g.x * sum;
      scratch[s + 3u * A + inOff + i] = g.y * scratch[s + A + inOff + i] * sum + g.x * rsum;
    }
  }
}

// 8 invocations per workgroup (HVP_WORKGROUP in learners/meta_train/meta_hvp.ts): on a software
// adapter a workgroup runs on one thread, so a meta-batch of 32 models makes 4 workgroups for the
// cores to share, where 64 made one.
@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  params = params_in;
  let p = gid.x + gid.y * params.gridX * 8u;
  if (p >= params.models) { return; }
  let th = p * params.stride;
  let s = p * 4u * params.actWidth;
  let scale = 1.0 / f32(params.batchSize);
  for (var b = params.sampleStart; b < params.sampleEnd; b++) {
    let n = batches[p * params.rowLen + b];
    forward_r(p, s, n);
    output_delta_r(p, s, n, scale);
    backward_r(p, s, n, b == 0u);
  }
  if (params.update == 0u) { return; }
  let count = params.biasOffset[params.layers - 1u] + params.widths[params.layers];
  for (var i = 0u; i < count; i++) { v[th + i] = v[th + i] - params.lr * hv[th + i]; }
}
