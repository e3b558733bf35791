// Shared snippet: counter-based RNG, Threefry-2x32 with 20 rounds.
// Twin of core/rng.ts: same (seed, stream, c0, c1) -> same u32 words and same uniform floats.

fn rng_rotl(x: u32, r: u32) -> u32 {
  return (x << r) | (x >> (32u - r));
}

fn rng_round(x: vec2<u32>, r: u32) -> vec2<u32> {
  let a = x.x + x.y;
  let b = rng_rotl(x.y, r) ^ a;
  return vec2<u32>(a, b);
}

// Threefry-2x32-20: key (k0, k1), counter (c0, c1).
fn threefry2x32(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {
  let ks2 = 0x1bd11bdau ^ k0 ^ k1;
  var x = vec2<u32>(c0 + k0, c1 + k1);
  x = rng_round(x, 13u); x = rng_round(x, 15u); x = rng_round(x, 26u); x = rng_round(x, 6u);
  x = vec2<u32>(x.x + k1, x.y + ks2 + 1u);
  x = rng_round(x, 17u); x = rng_round(x, 29u); x = rng_round(x, 16u); x = rng_round(x, 24u);
  x = vec2<u32>(x.x + ks2, x.y + k0 + 2u);
  x = rng_round(x, 13u); x = rng_round(x, 15u); x = rng_round(x, 26u); x = rng_round(x, 6u);
  x = vec2<u32>(x.x + k0, x.y + k1 + 3u);
  x = rng_round(x, 17u); x = rng_round(x, 29u); x = rng_round(x, 16u); x = rng_round(x, 24u);
  x = vec2<u32>(x.x + k1, x.y + ks2 + 4u);
  x = rng_round(x, 13u); x = rng_round(x, 15u); x = rng_round(x, 26u); x = rng_round(x, 6u);
  x = vec2<u32>(x.x + ks2, x.y + k0 + 5u);
  return x;
}

fn rng_u32(seed: u32, stream: u32, c0: u32, c1: u32) -> u32 {
  return threefry2x32(seed, stream, c0, c1).x;
}

// Uniform in [0, 1): top 24 bits times 2^-24 (exact in f32).
fn rng_uniform(seed: u32, stream: u32, c0: u32, c1: u32) -> f32 {
  return f32(threefry2x32(seed, stream, c0, c1).x >> 8u) * (1.0 / 16777216.0);
}

// Integer in [0, n): u32 modulo n.
fn rng_int(seed: u32, stream: u32, n: u32, c0: u32, c1: u32) -> u32 {
  return threefry2x32(seed, stream, c0, c1).x % n;
}

// -ln(u1) for u1 = (k + 1) 2^-24 in (0, 1]. Near 1 it is the series of -ln(1 - x) with x = 1 - u1
// (exact in f32; 8 terms leave under 1e-8 of it for x < 1/8): WGSL bounds log's error there only
// absolutely (2^-21 in [0.5, 2]), which is large against its small value.
fn rng_neg_log_unit(k: u32) -> f32 {
  let x = f32(16777215u - k) * (1.0 / 16777216.0);
  if (x < 0.125) {
    let tail = 0.2 + x * (1.0 / 6.0 + x * (1.0 / 7.0 + x * 0.125));
    return x * (1.0 + x * (0.5 + x * (1.0 / 3.0 + x * (0.25 + x * tail))));
  }
  return -log(f32(k + 1u) * (1.0 / 16777216.0));
}

// Standard normal by Box-Muller on both words of one block: sqrt(-2 ln u1) cos(2 pi u2), with the
// cosine's argument taken in [-pi, pi) (cos(2 pi u2) = -cos(2 pi (u2 - 1/2)), u2 - 1/2 exact), the
// only range where WGSL bounds cos's error. Before both changes, an H200 drew normals about 1e-6 off
// the CPU twin's (2026-12-04); after them its parity tests passed (which change mattered was not
// isolated).
fn rng_normal(seed: u32, stream: u32, c0: u32, c1: u32) -> f32 {
  let w = threefry2x32(seed, stream, c0, c1);
  let u2 = f32(w.y >> 8u) * (1.0 / 16777216.0);
  return -sqrt(2.0 * rng_neg_log_unit(w.x >> 8u)) * cos(6.283185307179586 * (u2 - 0.5));
}
