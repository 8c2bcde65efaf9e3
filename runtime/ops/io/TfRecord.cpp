#include "runtime/ops/io/TfRecord.h"

#include "runtime/ops/io/Crc32c.h"
#include "runtime/ops/io/FileIo.h"
#include "runtime/ops/io/Gzip.h"
#include "runtime/ops/io/TfRecordReader.h"

#include <cstring>

namespace mlpc::ops::io {

namespace {

void putLe(std::string &out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t getLe(const char *p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

constexpr size_t kHeader = 12; // length + its CRC
constexpr size_t kFooter = 4;  // data CRC

} // namespace

void appendTfRecord(std::string &out, std::string_view data) {
  size_t at = out.size();
  putLe(out, data.size(), 8);
  putLe(out, maskCrc(crc32c(out.data() + at, 8)), 4);
  out += data;
  putLe(out, maskCrc(crc32c(data.data(), data.size())), 4);
}

TfRecordReader::TfRecordReader(const std::string &path)
    : source_(path), file_(std::make_unique<MappedFile>(path)) {
  bytes_ = file_->bytes();
  if (isGzip(bytes_)) {
    inflated_ = gzipDecompress(bytes_, path);
    file_.reset();
    bytes_ = inflated_;
    gzip_ = true;
  }
}

TfRecordReader::~TfRecordReader() = default;

std::string TfRecordReader::where(size_t index, size_t offset) const {
  return source_ + ": record " + std::to_string(index) + " at byte " + std::to_string(offset) +
         (gzip_ ? " of the uncompressed data" : "");
}

bool TfRecordReader::next(std::string_view &record) {
  if (pos_ == bytes_.size())
    return false;
  const size_t start = pos_;
  const size_t left = bytes_.size() - pos_;
  const char *p = bytes_.data() + pos_;
  if (left < kHeader)
    throw OpError(where(index_, start) + ": the file ends inside the record's 12-byte header (" +
                  std::to_string(left) + " bytes left); the file is truncated");
  uint64_t length = getLe(p, 8);
  if (unmaskCrc(static_cast<uint32_t>(getLe(p + 8, 4))) != crc32c(p, 8))
    throw OpError(where(index_, start) +
                  ": the length's checksum does not match; the file is corrupt");
  if (length > left - kHeader || left - kHeader - length < kFooter)
    throw OpError(where(index_, start) + ": the record holds " + std::to_string(length) +
                  " bytes but the file ends " + std::to_string(left - kHeader) +
                  " bytes after its header; the file is truncated");
  const char *data = p + kHeader;
  if (unmaskCrc(static_cast<uint32_t>(getLe(data + length, 4))) != crc32c(data, length))
    throw OpError(where(index_, start) +
                  ": the data's checksum does not match; the file is corrupt");
  record = std::string_view(data, length);
  offset_ = start;
  pos_ = start + kHeader + length + kFooter;
  ++index_;
  return true;
}

TfRecordWriter::TfRecordWriter(const std::string &path, bool gzip)
    : file_(std::make_unique<AtomicFile>(path)) {
  // zlib's fastest level: twice as fast as its default for files ~5% larger.
  if (gzip)
    gzip_ = std::make_unique<GzipCompressor>(1);
}

TfRecordWriter::~TfRecordWriter() = default;

void TfRecordWriter::write(std::string_view record) {
  appendTfRecord(framed_, record);
  if (framed_.size() >= (1u << 20))
    flush(false);
}

void TfRecordWriter::flush(bool finish) {
  if (!gzip_) {
    file_->write(framed_);
  } else {
    compressed_.clear();
    gzip_->add(framed_, finish, compressed_);
    file_->write(compressed_);
  }
  framed_.clear();
}

void TfRecordWriter::close() {
  flush(true);
  file_->commit();
}

void writeTfRecordFile(const std::string &path, const std::vector<std::string> &records,
                       bool gzip) {
  TfRecordWriter writer(path, gzip);
  for (const std::string &r : records)
    writer.write(r);
  writer.close();
}

std::vector<std::string> readTfRecordFile(const std::string &path) {
  TfRecordReader reader(path);
  std::vector<std::string> records;
  std::string_view r;
  while (reader.next(r))
    records.emplace_back(r);
  return records;
}

} // namespace mlpc::ops::io
