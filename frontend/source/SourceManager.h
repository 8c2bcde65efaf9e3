// Source files and locations.
//
// Every diagnostic and AST node points into a SourceFile by byte offset; line
// and column are computed on demand (1-based, columns in code points), so
// locations stay cheap to store and to copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mlpc::source {

using FileId = uint32_t;
constexpr FileId kNoFile = ~0u;

// A half-open byte range [begin, end) in one file.
struct SourceRange {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  static SourceRange join(SourceRange a, SourceRange b) {
    if (!a.valid())
      return b;
    if (!b.valid() || a.file != b.file)
      return a;
    return {a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
  }
};

struct LineColumn {
  uint32_t line = 0;   // 1-based
  uint32_t column = 0; // 1-based, in code points
};

class SourceFile {
public:
  SourceFile(std::string path, std::string text);

  const std::string &path() const { return path_; }
  const std::string &text() const { return text_; }
  LineColumn lineColumn(uint32_t offset) const;
  // The text of a 1-based line, without its line break.
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }
  uint32_t lineStart(uint32_t line) const { return lineStarts_[line - 1]; }

private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

class SourceManager {
public:
  FileId add(std::string path, std::string text);
  const SourceFile &file(FileId id) const { return *files_[id]; }
  size_t size() const { return files_.size(); }
  // The range of the word at a 1-based line and column (in code points) of a
  // loaded file, as the IR records locations; invalid if the file is unknown.
  SourceRange rangeAt(const std::string &path, uint32_t line, uint32_t column) const;

private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

// Number of code points in a UTF-8 byte range (continuation bytes not counted).
uint32_t countCodePoints(std::string_view text);

} // namespace mlpc::source
