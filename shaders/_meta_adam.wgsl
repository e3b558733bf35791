// _meta_adam: the meta-optimizer's Adam step of one entry of theta, shared by meta_fomaml_update
// and meta_es_maml_update. theta_adam_step(i, g) replaces a non-finite meta-gradient g by 0, logs it
// in gOut[i], updates the moments m (at momentOffset + i) and v (vOffset after m) and steps
// theta[thetaOffset + i] by -lr * adam_step. The kernel that includes it declares the `theta`,
// `moments` and `gOut` bindings and Params fields thetaOffset, momentOffset, vOffset, lr, beta1,
// beta2, eps, c1, c2. CPU twin: the Adam step in fomamlUpdateCpu and esMamlUpdateCpu.

fn theta_adam_step(i: u32, g_in: f32) {
  var g = g_in;
  if (!finite(g)) { g = 0.0; }
  gOut[i] = g;
  let mi = params.momentOffset + i;
  let vi = mi + params.vOffset;
  let m = adam_m(moments[mi], g, params.beta1);
  let v = adam_v(moments[vi], g, params.beta2);
  moments[mi] = m;
  moments[vi] = v;
  let ti = params.thetaOffset + i;
  theta[ti] = theta[ti] - params.lr * adam_step(m, v, params.c1, params.c2, params.eps);
}
