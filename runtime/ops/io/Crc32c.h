// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// TFRecord framing, and TFRecord's "masked" form of it. Table-driven,
// eight bytes per step (slice-by-8).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlpc::ops::io {

// The CRC of `n` bytes; pass a previous result as `crc` to continue it
// across pieces.
uint32_t crc32c(const void *data, size_t n, uint32_t crc = 0);

// TFRecord stores masked CRCs: a CRC of data that itself contains CRCs is
// then less likely to be degenerate.
inline uint32_t maskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmaskCrc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

} // namespace mlpc::ops::io
