// Fingerprint64: lengths up to 16, 17-32 and 33-64 bytes each have a
// closed form; longer strings run 64-byte rounds over a 56-byte state and
// finish on the last 64 bytes. Words are read little-endian on any host.
#include "runtime/ops/transform/FarmHash.h"

#include "runtime/ops/Table.h"

#include <cstring>
#include <utility>

namespace mlpc::ops::transform {

namespace {

constexpr uint64_t kMul0 = 0xc3a5c85c97cb3127ULL;
constexpr uint64_t kMul1 = 0xb492b66fbe98f273ULL;
constexpr uint64_t kMul2 = 0x9ae16a3b2f90404fULL;

uint64_t load64(const char *p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

uint64_t load32(const char *p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

uint64_t rotr(uint64_t v, int bits) { return (v >> bits) | (v << (64 - bits)); }

uint64_t spread(uint64_t v) { return v ^ (v >> 47); }

// Mixes two words into one with multiplier `mul`.
uint64_t mix128(uint64_t lo, uint64_t hi, uint64_t mul) {
  uint64_t a = spread((lo ^ hi) * mul);
  uint64_t b = spread((hi ^ a) * mul);
  return b * mul;
}

uint64_t upTo16(const char *s, size_t n) {
  if (n >= 8) {
    const uint64_t mul = kMul2 + n * 2;
    const uint64_t a = load64(s) + kMul2;
    const uint64_t b = load64(s + n - 8);
    return mix128(rotr(b, 37) * mul + a, (rotr(a, 25) + b) * mul, mul);
  }
  if (n >= 4) {
    const uint64_t mul = kMul2 + n * 2;
    return mix128(n + (load32(s) << 3), load32(s + n - 4), mul);
  }
  if (n > 0) {
    const uint64_t first = static_cast<uint8_t>(s[0]);
    const uint64_t middle = static_cast<uint8_t>(s[n >> 1]);
    const uint64_t last = static_cast<uint8_t>(s[n - 1]);
    const uint32_t y = static_cast<uint32_t>(first + (middle << 8));
    const uint32_t z = static_cast<uint32_t>(n + (last << 2));
    return spread(y * kMul2 ^ z * kMul0) * kMul2;
  }
  return kMul2;
}

uint64_t from17To32(const char *s, size_t n) {
  const uint64_t mul = kMul2 + n * 2;
  const uint64_t a = load64(s) * kMul1;
  const uint64_t b = load64(s + 8);
  const uint64_t c = load64(s + n - 8) * mul;
  const uint64_t d = load64(s + n - 16) * kMul2;
  return mix128(rotr(a + b, 43) + rotr(c, 30) + d, a + rotr(b + kMul2, 18) + c, mul);
}

uint64_t from33To64(const char *s, size_t n) {
  const uint64_t mul = kMul2 + n * 2;
  const uint64_t a = load64(s) * kMul2;
  const uint64_t b = load64(s + 8);
  const uint64_t c = load64(s + n - 8) * mul;
  const uint64_t d = load64(s + n - 16) * kMul2;
  const uint64_t y = rotr(a + b, 43) + rotr(c, 30) + d;
  const uint64_t z = mix128(y, a + rotr(b + kMul2, 18) + c, mul);
  const uint64_t e = load64(s + 16) * mul;
  const uint64_t f = load64(s + 24);
  const uint64_t g = (y + load64(s + n - 32)) * mul;
  const uint64_t h = (z + load64(s + n - 24)) * mul;
  return mix128(rotr(e + f, 43) + rotr(g, 30) + h, e + rotr(f + a, 18) + g, mul);
}

struct Pair {
  uint64_t first, second;
};

// A weak 128-bit hash of 32 bytes at `s` and two seeds.
Pair hash32Bytes(const char *s, uint64_t seedA, uint64_t seedB) {
  const uint64_t w = load64(s), x = load64(s + 8), y = load64(s + 16), z = load64(s + 24);
  uint64_t a = seedA + w;
  uint64_t b = rotr(seedB + a + z, 21);
  const uint64_t c = a;
  a += x + y;
  b += rotr(a, 44);
  return {a + z, b + c};
}

// The 56-byte state of the long-string rounds.
struct LongState {
  uint64_t x, y, z;
  Pair v, w;

  void round(const char *s, uint64_t mul, uint64_t wSecondFactor, uint64_t vFirstFactor) {
    x = rotr(x + y + v.first + load64(s + 8), 37) * mul;
    y = rotr(y + v.second + load64(s + 48), 42) * mul;
    x ^= w.second * wSecondFactor;
    y += v.first * vFirstFactor + load64(s + 40);
    z = rotr(z + w.first, 33) * mul;
    v = hash32Bytes(s, v.second * mul, x + w.first);
    w = hash32Bytes(s + 32, z + w.second, y + load64(s + 16));
    std::swap(z, x);
  }
};

uint64_t longer(const char *s, size_t n) {
  constexpr uint64_t seed = 81;
  LongState st;
  st.x = seed * kMul2 + load64(s);
  st.y = seed * kMul1 + 113;
  st.z = spread(st.y * kMul2 + 113) * kMul2;
  st.v = {0, 0};
  st.w = {0, 0};
  // Whole rounds cover all but the last 1..64 bytes.
  const char *end = s + ((n - 1) / 64) * 64;
  for (; s != end; s += 64)
    st.round(s, kMul1, 1, 1);
  const char *last = end + ((n - 1) & 63) - 63;
  const uint64_t mul = kMul1 + ((st.z & 0xff) << 1);
  st.w.first += (n - 1) & 63;
  st.v.first += st.w.first;
  st.w.first += st.v.first;
  st.round(last, mul, 9, 9);
  return mix128(mix128(st.v.first, st.w.first, mul) + spread(st.y) * kMul0 + st.z,
                mix128(st.v.second, st.w.second, mul) + st.x, mul);
}

} // namespace

uint64_t fingerprint64(std::string_view bytes) {
  const char *s = bytes.data();
  const size_t n = bytes.size();
  if (n <= 16)
    return upTo16(s, n);
  if (n <= 32)
    return from17To32(s, n);
  if (n <= 64)
    return from33To64(s, n);
  return longer(s, n);
}

int64_t hashBucket(std::string_view bytes, int64_t buckets) {
  if (buckets <= 0)
    throw OpError("hash buckets must be positive, not " + std::to_string(buckets));
  return static_cast<int64_t>(fingerprint64(bytes) % static_cast<uint64_t>(buckets));
}

} // namespace mlpc::ops::transform
