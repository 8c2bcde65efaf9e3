// Iterates over the records of one TFRecord file held in memory (GZIP files
// are decompressed first), checking both checksums of every record.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace mlpc::ops::io {

class MappedFile;

class TfRecordReader {
public:
  // Maps the file (or decompresses it, for GZIP); OpError naming it when it
  // cannot be read.
  explicit TfRecordReader(const std::string &path);
  ~TfRecordReader();

  // The next record's bytes (valid while the reader lives), or false at the
  // end; OpError on a corrupt or truncated record.
  bool next(std::string_view &record);

  // "<file>: record <i> at byte <offset>", for messages about a record.
  std::string where(size_t index, size_t offset) const;
  // The last record next() returned: its index and offset.
  size_t index() const { return index_ - 1; }
  size_t offset() const { return offset_; }

private:
  std::string source_;
  std::unique_ptr<MappedFile> file_;
  std::string inflated_; // a GZIP file's contents
  std::string_view bytes_;
  bool gzip_ = false;
  size_t pos_ = 0;
  size_t index_ = 0;
  size_t offset_ = 0;
};

} // namespace mlpc::ops::io
