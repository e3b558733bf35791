// Shared snippet: a finiteness test, composed before the kernels that quarantine non-finite
// values (train_step, the evolution kernels, the meta-update kernels).

// False for NaN and +-infinity (exponent bits all ones); does not rely on NaN comparisons.
fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
