// evolve_objective: fitness of black-box objectives; a model's first `dim` parameters are a point.
// Twin: objectiveFitnessCpu(). fitness = -f(z), z = R (x - o); flags = 1 when f is not finite.
// A user objective (kind 4) that spends its iteration budget (metaforge_tick, composed in from
// learners/evolution/user_loop_budget.ts) gets fitness NEG_BIG, flags = 1, and overruns[p] += 1.
// A model whose index in its segment is >= the genome's GENOME_ACTIVE count is inactive:
// fitness NEG_BIG, flags = 2, nothing evaluated.
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 params  (P, stride) f32  read
//   1 segTask (S) u32          read   task index of each segment
//   2 tasks   f32              read   task t header row (TASK_*): kind (0 sphere, 1 rastrigin,
//                                     2 rosenbrock, 3 ackley, 4 user, 5 BBOB), dim, optimum offset,
//                                     rotation offset (kind 4: the raw point, no shift/rotation;
//                                     kind 5: both point at the block fid, x_opt, R, Q)
//   3 genome  (S, GENOME_STRIDE) f32 read  GENOME_ACTIVE: active models
//   4 fitness (P) f32          rw
//   5 flags   (P) u32          rw
//   6 overruns (P) u32         rw     evaluations stopped by the user objective's budget
//   7 u_in    EvolveParams read (parameters)
// Dispatch: one invocation per model, each segment's M models padded to a multiple of 8
// invocations (M8 = ceil(M / 8) * 8), so that no SIMD group of 8 lanes holds models of two
// segments (on lavapipe such a group runs the loops of both tasks' branches together, past its
// loop cap with a user objective beside BBOB at D = 64: objectiveGrid in
// learners/evolution/evolution_kernels.ts); ceil(S * M8 / 64) workgroups of 64, gridModels wide.
// The module is composed with a part defining
//   fn user_objective(x: ptr<function, array<f32, MAXD>>, d: u32) -> f32
// and its budget (metaforge_iterations, metaforge_over_budget, metaforge_tick)
// (a user's body, or a stub returning 0 when the run has no user objective), and after
// shaders/_bbob.wgsl (bbob_value, kind 5), whose accessors bbob_x and bbob_data are defined here.

const PI: f32 = 3.141592653589793;
// Largest dimension of a user objective.
const MAXD: u32 = 64u;

// First parameter of the model a BBOB task evaluates.
var<private> bbob_row: u32;

fn bbob_x(i: u32) -> f32 { return params[bbob_row + i]; }
fn bbob_data(i: u32) -> f32 { return tasks[i]; }

// z_i = sum_j R[i][j] * (x_j - o_j)
fn z_at(x0: u32, dim: u32, oo: u32, ro: u32, i: u32) -> f32 {
  var acc = 0.0;
  for (var j = 0u; j < dim; j++) {
    acc += tasks[ro + i * dim + j] * (params[x0 + j] - tasks[oo + j]);
  }
  return acc;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = evolve_index(gid, GRID_MODELS);
  let m8 = (u.M + 7u) / 8u * 8u;
  let j = e % m8;
  let p = e / m8 * u.M + j;
  if (j >= u.M || p >= u.P) { return; }
  if (mark_inactive(p)) { return; }
  let t = segTask[p / u.M];
  let kind = u32(tasks[t * TASK_STRIDE + TASK_KIND]);
  let dim = u32(tasks[t * TASK_STRIDE + TASK_DIM]);
  let oo = u32(tasks[t * TASK_STRIDE + TASK_OPTIMUM]);
  let ro = u32(tasks[t * TASK_STRIDE + TASK_ROTATION]);
  let x0 = p * u.stride;
  var f = 0.0;
  var over = false;
  if (kind == 5u) {
    bbob_row = x0;
    f = bbob_value(u32(tasks[oo]), dim, oo + 1u);
  } else if (kind == 4u) {
    var xs = array<f32, MAXD>();
    for (var i = 0u; i < min(dim, MAXD); i++) { xs[i] = params[x0 + i]; }
    metaforge_iterations = 0u;
    metaforge_over_budget = false;
    f = user_objective(&xs, dim);
    over = metaforge_over_budget;
  } else if (kind == 2u) {
    if (dim == 1u) {
      let a = z_at(x0, dim, oo, ro, 0u);
      f = a * a;
    } else {
      var a = z_at(x0, dim, oo, ro, 0u);
      for (var i = 0u; i + 1u < dim; i++) {
        let b = z_at(x0, dim, oo, ro, i + 1u);
        let w = b - 2.0 * a - a * a;
        f += 100.0 * w * w + a * a;
        a = b;
      }
    }
  } else {
    var sq = 0.0;
    var sn = 0.0;
    for (var i = 0u; i < dim; i++) {
      let z = z_at(x0, dim, oo, ro, i);
      let sp = sin(PI * z);
      sq += z * z;
      sn += sp * sp;
    }
    if (kind == 0u) {
      f = sq;
    } else if (kind == 1u) {
      f = sq + 20.0 * sn;
    } else {
      let n = f32(dim);
      f = 20.0 * (1.0 - exp(-0.2 * sqrt(sq / n))) + 2.718281828459045 * (1.0 - exp(-2.0 * sn / n));
    }
  }
  if (over) {
    fitness[p] = NEG_BIG;
    flags[p] = 1u;
    overruns[p] += 1u;
    return;
  }
  fitness[p] = -f;
  flags[p] = select(1u, 0u, finite(f));
}
