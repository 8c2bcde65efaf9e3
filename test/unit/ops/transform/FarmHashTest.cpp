// Fingerprint64 against published values: TensorFlow's own expectations for
// tf.strings.to_hash_bucket_fast, and the farmhash self-test's Hash64 values
// (farmhashna, which Fingerprint64 is) over its pseudorandom test buffer.
#include "runtime/ops/transform/FarmHash.h"

#include "runtime/ops/Table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace mlpc::ops;
using namespace mlpc::ops::transform;

namespace {

// TensorFlow's string_to_hash_bucket_op_test: Fingerprint64 of "a".."d".
TEST(FarmHash, TensorFlowFingerprints) {
  EXPECT_EQ(fingerprint64("a"), 12917804110809363939ULL);
  EXPECT_EQ(fingerprint64("b"), 11795596070477164822ULL);
  EXPECT_EQ(fingerprint64("c"), 11430444447143000872ULL);
  EXPECT_EQ(fingerprint64("d"), 4470636696479570465ULL);
}

// The same test's to_hash_bucket_fast(..., 10) and (..., 1).
TEST(FarmHash, HashThenModulo) {
  EXPECT_EQ(hashBucket("a", 10), 9);
  EXPECT_EQ(hashBucket("b", 10), 2);
  EXPECT_EQ(hashBucket("c", 10), 2);
  EXPECT_EQ(hashBucket("d", 10), 5);
  for (const char *s : {"a", "b", "c"})
    EXPECT_EQ(hashBucket(s, 1), 0);
  // The modulo is unsigned: "a"'s fingerprint is above 2^63.
  EXPECT_EQ(hashBucket("a", 1000), static_cast<int64_t>(12917804110809363939ULL % 1000));
  EXPECT_EQ(hashBucket("a", 1000), 939);
}

TEST(FarmHash, BucketsMustBePositive) {
  EXPECT_THROW(hashBucket("a", 0), OpError);
  EXPECT_THROW(hashBucket("a", -3), OpError);
}

TEST(FarmHash, EmptyStringIsTheConstant) { EXPECT_EQ(fingerprint64(""), 0x9ae16a3b2f90404fULL); }

// The farmhash self-test's buffer: 1 MiB from a fixed generator.
const std::string &selfTestData() {
  static const std::string data = [] {
    const uint64_t k0 = 0xc3a5c85c97cb3127ULL;
    std::string d(1 << 20, '\0');
    uint64_t a = 9, b = 777;
    for (size_t i = 0; i < d.size(); ++i) {
      a += b;
      b += a;
      a = (a ^ (a >> 41)) * k0;
      b = (b ^ (b >> 41)) * k0 + i;
      d[i] = static_cast<char>(static_cast<uint8_t>(b >> 37));
    }
    return d;
  }();
  return data;
}

struct Vector {
  size_t offset, length;
  uint64_t hash;
};

// (offset, length, Hash64) from the farmhash self-test (farmhashnaTest):
// every length up to 70, so every code path and its edges (4, 8, 16, 17, 32,
// 33, 64, 65), then longer strings up to the whole megabyte.
const std::vector<Vector> kSelfTest = {
    {0, 0, 0x9ae16a3b2f90404fULL},       {1, 1, 0x541150e87f415e96ULL},
    {4, 2, 0x0f3786a4b25827c1ULL},       {9, 3, 0xef923a7a1af78eabULL},
    {16, 4, 0x11df592596f41d88ULL},      {25, 5, 0x831f448bdc5600b3ULL},
    {36, 6, 0x3eca803e70304894ULL},      {49, 7, 0x1b5a063fb4c7f9f1ULL},
    {64, 8, 0xa0f10149a0e538d6ULL},      {81, 9, 0xfb8d9c70660b910bULL},
    {100, 10, 0x236827beae282a46ULL},    {121, 11, 0xc385e435136ecf7cULL},
    {144, 12, 0xe3f6828b6017086dULL},    {169, 13, 0x851fff285561dca0ULL},
    {196, 14, 0x61152a63595a96d9ULL},    {225, 15, 0x44473e03be306c88ULL},
    {256, 16, 0x03ead5f21d344056ULL},    {289, 17, 0x6abbfde37ee03b5bULL},
    {324, 18, 0x0943e7ed63b3c080ULL},    {361, 19, 0xd72ce05171ef8a1aULL},
    {400, 20, 0x4182832b52d63735ULL},    {441, 21, 0xd6cdae892584a2cbULL},
    {484, 22, 0x5c8e90bc267c5ee4ULL},    {529, 23, 0xbbd7f30ac310a6f3ULL},
    {576, 24, 0x36a097aa49519d97ULL},    {625, 25, 0x0dc78cb032c49217ULL},
    {676, 26, 0x441593e0da922dfeULL},    {729, 27, 0x2ba3883d71cc2133ULL},
    {784, 28, 0xf2b6d2adf8423600ULL},    {841, 29, 0x38fffe7f3680d63cULL},
    {900, 30, 0xb7477bf0b9ce37c6ULL},    {961, 31, 0x55bdb0e71e3edebdULL},
    {1024, 32, 0x0782fa1b08b475e7ULL},   {1089, 33, 0x09deb3da5e16b5b8ULL},
    {1156, 34, 0x0ee347d647f95396ULL},   {1225, 35, 0x02ccf9db44ffcadcULL},
    {1296, 36, 0xd76f044822fad20bULL},   {1369, 37, 0x4565c9a1f6cf7563ULL},
    {1444, 38, 0xde0ec95b0dd50728ULL},   {1521, 39, 0x1e916689df731452ULL},
    {1600, 40, 0x01596fbb269fb44eULL},   {1681, 41, 0x3d0cc12df012fdc6ULL},
    {1764, 42, 0x18871267759f9e9eULL},   {1849, 43, 0xcf1fd8413d56223aULL},
    {1936, 44, 0x2324170a136a5d06ULL},   {2025, 45, 0x0f5a57eadc6c581dULL},
    {2116, 46, 0x896893fc0b705345ULL},   {2209, 47, 0xc59c4e1a7f4fe221ULL},
    {2304, 48, 0x01601bbbc1db4a56ULL},   {2401, 49, 0x2784c6a7cd48179eULL},
    {2500, 50, 0x7e1714daf34531b9ULL},   {2601, 51, 0x52364482fbd72b69ULL},
    {2704, 52, 0xda99dc3d65ec5ea5ULL},   {2809, 53, 0xa26c6862d8f398cfULL},
    {2916, 54, 0x9340980e344ed13aULL},   {3025, 55, 0xed560843e0444b29ULL},
    {3136, 56, 0x434da74b2ba4e026ULL},   {3249, 57, 0xc0a50b576285052cULL},
    {3364, 58, 0x84bf2c6955012ddaULL},   {3481, 59, 0x52a098bd016ec185ULL},
    {3600, 60, 0x5f4a05c2bb909857ULL},   {3721, 61, 0x2c1aa859228c620aULL},
    {3844, 62, 0xe8a86180173c94bdULL},   {3969, 63, 0xa8edbff858475437ULL},
    {4096, 64, 0xdef74bf4c9f1bc1bULL},   {4225, 65, 0x3cceab392bc39b3fULL},
    {4356, 66, 0x9b97f76002f66a94ULL},   {4489, 67, 0x546d5de7a7d7751bULL},
    {4624, 68, 0x37da9fddb4f01efeULL},   {4761, 69, 0xdd3551cc9c9ab11eULL},
    {4900, 70, 0xdabb0d9d0fb2a854ULL},   {16129, 127, 0x99096f55f2e75eb0ULL},
    {16384, 128, 0xf4a9a248b462909dULL}, {16641, 129, 0xd4f7c858d78153b6ULL},
    {36481, 191, 0x28c657f61fab27a7ULL}, {36864, 192, 0xb91cf320c999a8a1ULL},
    {37249, 193, 0x2e52ba77c133f42bULL}, {40000, 200, 0x40f32eb90e5caa01ULL},
    {65025, 255, 0x74fbce74d2fe60f8ULL}, {65536, 256, 0x7fd20f1452dfbc03ULL},
    {88804, 298, 0x2031c84bc57a1a9fULL}, {0, 299, 0xcc79d4ba95da7979ULL},
    {0, 341, 0x902d34061d0c9b0dULL},     {0, 389, 0x43b6d221b3111645ULL},
    {0, 1048576, 0xf853fb08a3c22903ULL},
};

TEST(FarmHash, SelfTestVectors) {
  const std::string &data = selfTestData();
  for (const Vector &v : kSelfTest)
    EXPECT_EQ(fingerprint64(std::string_view(data).substr(v.offset, v.length)), v.hash)
        << "offset " << v.offset << " length " << v.length;
}

// Bytes above 0x7f are unsigned in the short-string path.
TEST(FarmHash, HighBytesDifferFromLow) {
  EXPECT_NE(fingerprint64("\xff"), fingerprint64("\x7f"));
  EXPECT_NE(fingerprint64(std::string("\0", 1)), fingerprint64(""));
}

} // namespace
