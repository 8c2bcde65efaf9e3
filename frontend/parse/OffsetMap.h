// ANTLR's C++ runtime works on UTF-32, so token positions count code points;
// diagnostics and the SourceManager use byte offsets. This maps one to the
// other (the identity for ASCII text, which costs nothing).
#pragma once

#include "frontend/source/SourceManager.h"

#include <string_view>
#include <vector>

namespace mlpc::parse {

class OffsetMap {
public:
  OffsetMap(source::FileId file, std::string_view text, uint32_t byteBase = 0);

  uint32_t byteOffset(size_t codePoint) const {
    if (cpToByte_.empty())
      return byteBase_ + static_cast<uint32_t>(std::min<size_t>(codePoint, size_));
    return byteBase_ + cpToByte_[std::min(codePoint, cpToByte_.size() - 1)];
  }
  // The range of code points [start, stop] (ANTLR's inclusive stop index).
  source::SourceRange range(size_t start, size_t stop) const {
    if (stop + 1 < start + 1) // ANTLR uses stop = start - 1 for empty tokens (EOF)
      stop = start - 1;
    return {file_, byteOffset(start), byteOffset(stop + 1)};
  }
  source::FileId file() const { return file_; }

private:
  source::FileId file_;
  uint32_t byteBase_;
  size_t size_;
  std::vector<uint32_t> cpToByte_;
};

} // namespace mlpc::parse
