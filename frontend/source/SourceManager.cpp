#include "frontend/source/SourceManager.h"

#include <algorithm>
#include <cctype>

namespace mlpc::source {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

LineColumn SourceFile::lineColumn(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, text_.size());
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - lineStarts_.begin());
  uint32_t start = lineStarts_[line - 1];
  return {line, countCodePoints(std::string_view(text_).substr(start, offset - start)) + 1};
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  uint32_t start = lineStarts_[line - 1];
  uint32_t end = line < lineStarts_.size() ? lineStarts_[line] : text_.size();
  std::string_view text(text_.data() + start, end - start);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

FileId SourceManager::add(std::string path, std::string text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  return static_cast<FileId>(files_.size() - 1);
}

uint32_t countCodePoints(std::string_view text) {
  uint32_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

SourceRange SourceManager::rangeAt(const std::string &path, uint32_t line, uint32_t column) const {
  for (FileId id = 0; id < files_.size(); ++id) {
    const SourceFile &f = *files_[id];
    if (f.path() != path)
      continue;
    if (line < 1 || line > f.lineCount())
      return {id, 0, 0};
    std::string_view text = f.lineText(line);
    size_t i = 0;
    for (uint32_t cp = 1; cp < column && i < text.size(); ++cp) // skip column - 1 code points
      for (++i; i < text.size() && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80;)
        ++i;
    size_t end = i;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
      ++end;
    uint32_t start = f.lineStart(line);
    return {id, static_cast<uint32_t>(start + i),
            static_cast<uint32_t>(start + std::max(end, std::min(i + 1, text.size())))};
  }
  return {};
}

} // namespace mlpc::source
