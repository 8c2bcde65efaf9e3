// CRC-32C against published vectors (RFC 3720, B.4, and the "123456789"
// check value) and against a bit-at-a-time reference on odd lengths and
// alignments, which exercise the eight-byte steps and the byte tail.
#include "runtime/ops/io/Crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mlpc::ops::io {
namespace {

uint32_t bitwiseCrc32c(const std::string &s) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

uint32_t crcOf(const std::string &s) { return crc32c(s.data(), s.size()); }

TEST(Crc32c, PublishedVectors) {
  EXPECT_EQ(crcOf("123456789"), 0xE3069283u);
  EXPECT_EQ(crcOf(""), 0u);
  EXPECT_EQ(crcOf(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crcOf(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) {
    up += static_cast<char>(i);
    down += static_cast<char>(31 - i);
  }
  EXPECT_EQ(crcOf(up), 0x46DD794Eu);
  EXPECT_EQ(crcOf(down), 0x113FDB5Cu);
}

TEST(Crc32c, MatchesBitwiseReferenceOnAnyLengthAndAlignment) {
  std::mt19937 rng(1);
  std::string buf(300, '\0');
  for (char &c : buf)
    c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start)
    for (size_t len = 0; len + start <= 100; ++len) {
      std::string piece = buf.substr(start, len);
      ASSERT_EQ(crc32c(buf.data() + start, len), bitwiseCrc32c(piece)) << start << "+" << len;
    }
}

TEST(Crc32c, ContinuesAcrossPieces) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  for (size_t cut = 0; cut <= s.size(); ++cut)
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, crc32c(s.data(), cut)), crcOf(s));
}

TEST(Crc32c, MaskIsTfRecordsRotationPlusConstant) {
  EXPECT_EQ(maskCrc(0), 0xA282EAD8u);
  EXPECT_EQ(maskCrc(0x80000000u), 0x00010000u + 0xA282EAD8u);
  EXPECT_EQ(maskCrc(0x00008000u), 0x00000001u + 0xA282EAD8u);
  for (uint32_t v : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu, 0x12345678u})
    EXPECT_EQ(unmaskCrc(maskCrc(v)), v);
}

} // namespace
} // namespace mlpc::ops::io
