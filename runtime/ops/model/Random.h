// Seeded draws that give the same numbers on every platform: std::mt19937_64's
// output sequence is fixed by the C++ standard, but the std distributions'
// algorithms are not, so training draws through these instead.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>

namespace mlpc::ops::model {

// Uniform in [0, 1): the top 53 bits of one draw.
inline double uniform01(std::mt19937_64 &rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Standard normal by Box-Muller (the cosine branch; one normal per two draws).
inline double standardNormal(std::mt19937_64 &rng) {
  double u1 = 1.0 - uniform01(rng); // (0, 1]: log stays finite
  double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Uniform integer in [0, bound), bound > 0, without modulo bias: draws below
// 2^64 mod bound are rejected.
inline uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t bound) {
  uint64_t reject = (0 - bound) % bound;
  for (;;) {
    uint64_t r = rng();
    if (r >= reject)
      return r % bound;
  }
}

// Fisher-Yates: every permutation equally likely.
template <typename T> void shuffle(T *values, size_t n, std::mt19937_64 &rng) {
  for (size_t i = n; i > 1; --i) {
    size_t j = static_cast<size_t>(uniformBelow(rng, i));
    std::swap(values[i - 1], values[j]);
  }
}

} // namespace mlpc::ops::model
