// protonet_grad: the Prototypical Networks loss (Snell, Swersky and Zemel, NeurIPS 2017) and its
// gradient for every episode of a meta-batch, all episodes embedded with one parameter row theta.
// The embedding is the MLP's last hidden layer after its nonlinearity, or before it when
// params.linear is 1 (the raw output with no hidden layer). Model p reads episode e = ids[idsOffset
// + p]: prototypes c_k = mean embedding of the support samples of class k; each query q scores
// -d(f(q), c_k) over the classes with a support sample, d by params.distance
// (learners/meta_train/protonet_distance.ts): 0 euclidean scale |z - c|^2, 1 cosine -scale z.c /
// (|z| |c|) (norms sqrt(|v|^2 + 1e-8)), 2 dot -scale z.c; loss = mean softmax cross-entropy of the
// queries; accuracy = argmin distance (ties to the lowest k). The gradient goes back through the
// distances, the prototypes (shared equally by their support samples) and the MLP into row p of
// grads, where the FOMAML update reads it. Also the support samples' loss and accuracy against
// their own prototypes (no gradient).
// CPU twin: protonetGradCpu in learners/meta_train/protonet_cpu.ts (f64; this kernel is f32).
// The bindings and struct Params are declared in learners/meta_train/protonet_grad.ts.
// Bindings: 0 x (count, inputs) f32 read; 1 y (count, targetWidth) f32 read; 2 support (episodes,
//           S) u32 read; 3 query (episodes, Q) u32 read; 4 classes (episodes, classWidth) u32
//           read (each episode's class list, learners/tasks/episode_classes.ts); 5 ids u32 read; 6 theta (stride) f32 read; 7 grads (models, stride) f32 rw;
//           8 metrics (models, METRIC_STRIDE) f32 rw: loss, gradient norm, quarantine flag (1 when
//           not finite), 0; 9 stats (models, 4) f32 rw: query loss, query accuracy, support loss,
//           support accuracy; 10 scratch (models, scratchFloats) f32 rw: activations (n, actWidth),
//           two delta tables (n, maxWidth), prototypes and their gradient (ways, D), counts and
//           distances (ways), n = S + Q; 11 params read (parameters).
// One invocation per model (episode); dispatch: ceil(models / 64) workgroups of 64 (2-D grid).

// Scratch offsets of the current model (set by main).
var<private> A: u32;   // activations
var<private> T0: u32;  // delta table 0
var<private> T1: u32;  // delta table 1
var<private> C: u32;   // prototypes (ways, D)
var<private> DC: u32;  // prototype gradient (ways, D)
var<private> CNT: u32; // support count per class
var<private> DST: u32; // distances of one sample
var<private> D: u32;   // embedding width
var<private> EP: u32;  // the episode

fn sample_of(e: u32, b: u32) -> u32 {
  if (b < params.S) { return support[e * params.S + b]; }
  return query[e * params.Q + b - params.S];
}

// Episode-local label of sample s: its class's position in episode e's class list (the first
// match; 0xffffffff when e does not use it), or the class as stored when classWidth is 0.
fn label_of(e: u32, s: u32) -> u32 {
  let cls = u32(y[s * params.targetWidth]);
  if (params.classWidth == 0u) { return cls; }
  var label = 0xffffffffu;
  for (var k = 0u; k < params.classWidth; k++) {
    if (classes[e * params.classWidth + k] == cls && label == 0xffffffffu) { label = k; }
  }
  return label;
}

fn act_grad(a: f32) -> f32 {
  if (params.activation == 0u) { return select(0.0, 1.0, a > 0.0); }
  return 1.0 - a * a;
}

// Whether layer l applies the nonlinearity: a hidden layer, except the embedding layer when linear.
fn nonlinear(l: u32) -> bool {
  return l < params.layers - 1u && !(params.linear == 1u && l == params.embed);
}

// Embedding component j of sample row b.
fn emb(b: u32, j: u32) -> f32 {
  return scratch[A + b * params.actWidth + params.actOffset[params.embed] + j];
}

// Forward pass of sample row b (sample s) up to the embedding layer.
fn forward(b: u32, s: u32) {
  let ab = A + b * params.actWidth;
  for (var l = 0u; l <= params.embed; l++) {
    let fin = params.widths[l];
    for (var j = 0u; j < params.widths[l + 1u]; j++) {
      var z = theta[params.biasOffset[l] + j];
      let w = params.weightOffset[l] + j * fin;
      for (var i = 0u; i < fin; i++) {
        var ain = 0.0;
        if (l == 0u) { ain = x[s * params.inputs + i]; } else { ain = scratch[ab + params.actOffset[l - 1u] + i]; }
        z += theta[w + i] * ain;
      }
      var a = z;
      if (nonlinear(l)) {
        if (params.activation == 0u) { a = max(z, 0.0); } else { a = tanh(z); }
      }
      scratch[ab + params.actOffset[l] + j] = a;
    }
  }
}

// Class prototypes and counts from the support rows.
fn prototypes(e: u32) {
  let N = params.ways;
  for (var k = 0u; k < N * D; k++) { scratch[C + k] = 0.0; scratch[DC + k] = 0.0; }
  for (var k = 0u; k < N; k++) { scratch[CNT + k] = 0.0; }
  for (var b = 0u; b < params.S; b++) {
    let yb = label_of(e, sample_of(e, b));
    if (yb >= N) { continue; }
    scratch[CNT + yb] += 1.0;
    for (var j = 0u; j < D; j++) { scratch[C + yb * D + j] += emb(b, j); }
  }
  for (var k = 0u; k < N; k++) {
    let n = scratch[CNT + k];
    if (n > 0.0) { for (var j = 0u; j < D; j++) { scratch[C + k * D + j] /= n; } }
  }
}

const NORM_EPS: f32 = 1e-8;

// Sums over row b and prototype k: squared difference, dot product, |z|^2, |c|^2.
fn pair_sums(b: u32, k: u32) -> vec4<f32> {
  var s = vec4<f32>(0.0);
  for (var j = 0u; j < D; j++) {
    let zj = emb(b, j);
    let cj = scratch[C + k * D + j];
    let d = zj - cj;
    s += vec4<f32>(d * d, zj * cj, zj * zj, cj * cj);
  }
  return s;
}

// The distance of a pair from its sums.
fn pair_distance(s: vec4<f32>) -> f32 {
  if (params.distance == 0u) { return params.scale * s.x; }
  if (params.distance == 2u) { return -params.scale * s.y; }
  return -params.scale * s.y / (sqrt(s.z + NORM_EPS) * sqrt(s.w + NORM_EPS));
}

// Adds g * dd/dz to row b of table T0 and g * dd/dc to row k of DC (d: the pair's distance).
fn add_pair_gradient(b: u32, k: u32, g: f32) {
  let ps = pair_sums(b, k);
  let nz = sqrt(ps.z + NORM_EPS);
  let nc = sqrt(ps.w + NORM_EPS);
  let sc = g * params.scale;
  for (var j = 0u; j < D; j++) {
    let zj = emb(b, j);
    let cj = scratch[C + k * D + j];
    var gz = 0.0;
    var gc = 0.0;
    if (params.distance == 0u) {
      gz = 2.0 * sc * (zj - cj);
      gc = -gz;
    } else if (params.distance == 2u) {
      gz = -sc * cj;
      gc = -sc * zj;
    } else {
      gz = -sc * (cj / (nz * nc) - ps.y * zj / (nz * nz * nz * nc));
      gc = -sc * (zj / (nz * nc) - ps.y * cj / (nz * nc * nc * nc));
    }
    scratch[T0 + b * params.maxWidth + j] += gz;
    scratch[DC + k * D + j] += gc;
  }
}

// Mean loss and accuracy of rows b0 .. b0 + count; with grad, adds dL/dz to table T0 and dL/dc to DC.
fn score(e: u32, b0: u32, count: u32, grad: bool) -> vec2<f32> {
  let N = params.ways;
  var loss = 0.0;
  var hits = 0.0;
  for (var q = 0u; q < count; q++) {
    let b = b0 + q;
    var best = N;
    for (var k = 0u; k < N; k++) {
      let s = pair_distance(pair_sums(b, k));
      scratch[DST + k] = s;
      if (scratch[CNT + k] > 0.0 && (best == N || s < scratch[DST + best])) { best = k; }
    }
    let yq = label_of(e, sample_of(e, b));
    var lse = 0.0;
    for (var k = 0u; k < N; k++) {
      if (scratch[CNT + k] > 0.0) { lse += exp(scratch[DST + best] - scratch[DST + k]); }
    }
    lse = log(lse) - scratch[DST + best];
    if (yq < N && scratch[CNT + yq] > 0.0) { loss += scratch[DST + yq] + lse; } else { loss += bitcast<f32>(0x7f800000u); }
    if (best == yq) { hits += 1.0; }
    if (!grad) { continue; }
    for (var k = 0u; k < N; k++) {
      if (scratch[CNT + k] == 0.0) { continue; }
      let g = (select(0.0, 1.0, k == yq) - exp(-scratch[DST + k] - lse)) / f32(count);
      add_pair_gradient(b, k, g);
    }
  }
  return vec2<f32>(loss / f32(count), hits / f32(count));
}

// Back-propagates the table T0 (dL/d embedding) through layers embed .. 0 into grads row gb.
fn backprop(gb: u32) {
  let n = params.S + params.Q;
  var cur = T0;
  var prev = T1;
  for (var li = i32(params.embed); li >= 0; li--) {
    let l = u32(li);
    let fin = params.widths[l];
    let hidden = nonlinear(l);
    if (l > 0u) { for (var k = 0u; k < n * params.maxWidth; k++) { scratch[prev + k] = 0.0; } }
    for (var b = 0u; b < n; b++) {
      let ab = A + b * params.actWidth;
      for (var j = 0u; j < params.widths[l + 1u]; j++) {
        var dl = scratch[cur + b * params.maxWidth + j];
        if (hidden) { dl *= act_grad(scratch[ab + params.actOffset[l] + j]); }
        if (dl == 0.0) { continue; }
        grads[gb + params.biasOffset[l] + j] += dl;
        let w = params.weightOffset[l] + j * fin;
        for (var i = 0u; i < fin; i++) {
          var ain = 0.0;
          if (l == 0u) { ain = x[sample_of(EP, b) * params.inputs + i]; } else { ain = scratch[ab + params.actOffset[l - 1u] + i]; }
          grads[gb + w + i] += dl * ain;
          if (l > 0u) { scratch[prev + b * params.maxWidth + i] += theta[w + i] * dl; }
        }
      }
    }
    let t = cur;
    cur = prev;
    prev = t;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = grid_index(gid);
  if (p >= params.models) { return; }
  let n = params.S + params.Q;
  let N = params.ways;
  D = params.widths[params.embed + 1u];
  A = p * params.scratchFloats;
  T0 = A + n * params.actWidth;
  T1 = T0 + n * params.maxWidth;
  C = T1 + n * params.maxWidth;
  DC = C + N * D;
  CNT = DC + N * D;
  DST = CNT + N;
  EP = ids[params.idsOffset + p];
  for (var b = 0u; b < n; b++) { forward(b, sample_of(EP, b)); }
  for (var k = 0u; k < n * params.maxWidth; k++) { scratch[T0 + k] = 0.0; }
  prototypes(EP);
  let qs = score(EP, params.S, params.Q, true);
  let ss = score(EP, 0u, params.S, false);
  // The prototype's gradient is shared equally by its support samples.
  for (var b = 0u; b < params.S; b++) {
    let yb = label_of(EP, sample_of(EP, b));
    if (yb >= N) { continue; }
    for (var j = 0u; j < D; j++) {
      scratch[T0 + b * params.maxWidth + j] = scratch[DC + yb * D + j] / scratch[CNT + yb];
    }
  }
  let gb = p * params.stride;
  for (var i = 0u; i < params.stride; i++) { grads[gb + i] = 0.0; }
  backprop(gb);
  var sq = 0.0;
  for (var i = 0u; i < params.stride; i++) { sq += grads[gb + i] * grads[gb + i]; }
  let m = p * METRIC_STRIDE;
  metrics[m + METRIC_LOSS] = qs.x;
  metrics[m + METRIC_GRAD_NORM] = sqrt(sq);
  metrics[m + METRIC_QUARANTINED] = select(1.0, 0.0, finite(qs.x) && finite(sq));
  metrics[m + METRIC_PREV_LOSS] = 0.0;
  stats[p * 4u] = qs.x;
  stats[p * 4u + 1u] = qs.y;
  stats[p * 4u + 2u] = ss.x;
  stats[p * 4u + 3u] = ss.y;
}
