// TFRecord framing: bytes checked against an independent CRC-32C
// implementation, plain and GZIP round trips, and the messages for corrupt
// and truncated files.
#include "runtime/ops/io/TfRecord.h"
#include "runtime/ops/io/Gzip.h"

#include "test/unit/ops/io/TempDir.h"

#include <gtest/gtest.h>

#include <zlib.h>

namespace mlpc::ops::io {
namespace {

using test::errorOf;

std::string hex(const std::string &s) {
  static const char *digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Expected bytes computed with Python's google-crc32c package (its own
// CRC-32C, masked by hand): length, masked CRC of the length, data, masked
// CRC of the data.
TEST(TfRecord, FramingMatchesAnIndependentImplementation) {
  std::string out;
  appendTfRecord(out, "hello");
  EXPECT_EQ(hex(out), "0500000000000000"
                      "eab2043e"
                      "68656c6c6f"
                      "bb1f1c19");
  out.clear();
  appendTfRecord(out, "");
  EXPECT_EQ(hex(out), "0000000000000000"
                      "29039807"
                      "d8ea82a2");
}

std::vector<std::string> someRecords() {
  return {"first", "", std::string("bin\0ary\xff", 8), std::string(100000, 'x')};
}

TEST(TfRecord, PlainFileRoundTrip) {
  test::TempDir dir;
  std::string path = dir.file("data.tfrecord");
  writeTfRecordFile(path, someRecords(), false);
  std::string bytes = test::readBytes(path);
  EXPECT_FALSE(isGzip(bytes));
  EXPECT_EQ(bytes.size(), 5 + 0 + 8 + 100000 + 4 * 16u);
  EXPECT_EQ(readTfRecordFile(path), someRecords());
}

TEST(TfRecord, GzipFileRoundTripAndReadableByZlib) {
  test::TempDir dir;
  std::string path = dir.file("data.tfrecord.gz");
  writeTfRecordFile(path, someRecords(), true);
  std::string bytes = test::readBytes(path);
  ASSERT_TRUE(isGzip(bytes));
  EXPECT_LT(bytes.size(), 2000u); // 100000 x's compress well
  EXPECT_EQ(readTfRecordFile(path), someRecords());

  // zlib's own gzip reader sees exactly the plain framing.
  std::string framed;
  for (const std::string &r : someRecords())
    appendTfRecord(framed, r);
  gzFile gz = gzopen(path.c_str(), "rb");
  ASSERT_NE(gz, nullptr);
  std::string inflated(framed.size() + 10, '\0');
  int n = gzread(gz, inflated.data(), static_cast<unsigned>(inflated.size()));
  gzclose(gz);
  inflated.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(inflated, framed);
}

// Enough data for several compressed pieces (the writer flushes every MiB).
TEST(TfRecord, LargeFilesRoundTripInPieces) {
  test::TempDir dir;
  std::vector<std::string> records;
  uint32_t x = 1;
  for (int r = 0; r < 400; ++r) {
    std::string rec(10000 + r, '\0');
    for (char &c : rec) {
      x = x * 1103515245u + 12345u;
      c = static_cast<char>((x >> 16) % 7 + 'a'); // compressible, not trivially
    }
    records.push_back(std::move(rec));
  }
  for (bool gzip : {false, true}) {
    std::string path = dir.file(gzip ? "big.gz" : "big");
    writeTfRecordFile(path, records, gzip);
    EXPECT_EQ(isGzip(test::readBytes(path)), gzip);
    EXPECT_EQ(readTfRecordFile(path), records);
  }
  std::string framed;
  for (const std::string &r : records)
    appendTfRecord(framed, r);
  EXPECT_EQ(gzipDecompress(test::readBytes(dir.file("big.gz")), "big.gz"), framed);
}

TEST(TfRecord, EmptyFileHasNoRecords) {
  test::TempDir dir;
  writeTfRecordFile(dir.file("a"), {}, false);
  writeTfRecordFile(dir.file("b"), {}, true);
  EXPECT_TRUE(readTfRecordFile(dir.file("a")).empty());
  EXPECT_TRUE(readTfRecordFile(dir.file("b")).empty());
}

// Three 5-byte records: each takes 21 bytes, so record i starts at 21 * i.
std::string threeRecords() {
  std::string framed;
  for (const char *r : {"alpha", "bravo", "delta"})
    appendTfRecord(framed, r);
  return framed;
}

TEST(TfRecord, CorruptLengthChecksumNamesFileRecordAndOffset) {
  test::TempDir dir;
  std::string path = dir.file("bad.tfrecord");
  std::string bytes = threeRecords();
  bytes[21 + 9] ^= 0x40; // record 1's length CRC
  test::writeBytes(path, bytes);
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 1 at byte 21: the length's checksum does not match; the file is "
                   "corrupt");
  bytes = threeRecords();
  bytes[21] = 6; // record 1's length itself
  test::writeBytes(path, bytes);
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 1 at byte 21: the length's checksum does not match; the file is "
                   "corrupt");
}

TEST(TfRecord, CorruptDataChecksumNamesFileRecordAndOffset) {
  test::TempDir dir;
  std::string path = dir.file("bad.tfrecord");
  std::string bytes = threeRecords();
  bytes[42 + 12 + 2] = 'L'; // "deLta"
  test::writeBytes(path, bytes);
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 2 at byte 42: the data's checksum does not match; the file is "
                   "corrupt");
  bytes = threeRecords();
  bytes[42 + 12 + 5] ^= 1; // the data CRC itself
  test::writeBytes(path, bytes);
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 2 at byte 42: the data's checksum does not match; the file is "
                   "corrupt");
}

TEST(TfRecord, TruncatedFileNamesFileRecordAndOffset) {
  test::TempDir dir;
  std::string path = dir.file("cut.tfrecord");
  test::writeBytes(path, threeRecords().substr(0, 42 + 15));
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 2 at byte 42: the record holds 5 bytes but the file ends 3 bytes "
                   "after its header; the file is truncated");
  test::writeBytes(path, threeRecords().substr(0, 42 + 5));
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 2 at byte 42: the file ends inside the record's 12-byte header (5 "
                   "bytes left); the file is truncated");
  test::writeBytes(path, threeRecords().substr(0, 63 - 2)); // inside the last data CRC
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 2 at byte 42: the record holds 5 bytes but the file ends 7 bytes "
                   "after its header; the file is truncated");
}

TEST(TfRecord, GzipProblemsNameTheFile) {
  test::TempDir dir;
  std::string path = dir.file("bad.gz");
  std::string bytes = threeRecords();
  bytes[42 + 12 + 2] = 'L';
  test::writeBytes(path, gzipCompress(bytes));
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            path + ": record 2 at byte 42 of the uncompressed data: the data's checksum does "
                   "not match; the file is corrupt");

  std::string gz = gzipCompress(threeRecords());
  test::writeBytes(path, gz.substr(0, gz.size() - 6));
  std::string cut = errorOf([&] { readTfRecordFile(path); });
  EXPECT_EQ(cut.rfind(path + ": the GZIP data is cut short after ", 0), 0u) << cut;
  EXPECT_NE(cut.find("(the file is truncated)"), std::string::npos) << cut;

  gz[gz.size() / 2] ^= 0x55;
  gz[gz.size() / 2 + 1] ^= 0x55;
  gz[gz.size() - 5] ^= 0x55; // and the CRC-32 in the trailer
  test::writeBytes(path, gz);
  std::string corrupt = errorOf([&] { readTfRecordFile(path); });
  EXPECT_EQ(corrupt.rfind(path + ": the GZIP data is corrupt after ", 0), 0u) << corrupt;
}

TEST(TfRecord, MissingFileIsAnErrorNamingIt) {
  test::TempDir dir;
  std::string path = dir.file("none.tfrecord");
  EXPECT_EQ(errorOf([&] { readTfRecordFile(path); }),
            "cannot open `" + path + "`: No such file or directory");
}

} // namespace
} // namespace mlpc::ops::io
