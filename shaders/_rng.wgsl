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

// Standard normal by Box-Muller on both words of one block.
fn rng_normal(seed: u32, stream: u32, c0: u32, c1: u32) -> f32 {
  let w = threefry2x32(seed, stream, c0, c1);
  let u1 = f32((w.x >> 8u) + 1u) * (1.0 / 16777216.0);
  let u2 = f32(w.y >> 8u) * (1.0 / 16777216.0);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
