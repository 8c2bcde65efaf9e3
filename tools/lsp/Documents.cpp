#include "tools/lsp/Documents.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace mlpc::lsp {

CodePoint decodeAt(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  uint32_t len = lead < 0x80           ? 1
                 : (lead >> 5) == 0x6  ? 2
                 : (lead >> 4) == 0xE  ? 3
                 : (lead >> 3) == 0x1E ? 4
                                       : 0;
  if (len == 0 || i + len > text.size())
    return {1, 1};
  for (uint32_t k = 1; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80)
      return {1, 1};
  return {len, len == 4 ? 2u : 1u}; // beyond the BMP: a surrogate pair
}

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
      ++i;
    if (text[i] == '\n' || text[i] == '\r')
      starts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

uint32_t LineIndex::lineEnd(uint32_t line) const {
  uint32_t start = starts_[line];
  uint32_t end = line + 1 < starts_.size() ? starts_[line + 1] : text_.size();
  if (end > start && text_[end - 1] == '\n')
    --end;
  if (end > start && text_[end - 1] == '\r')
    --end;
  return end;
}

uint32_t LineIndex::offsetAt(Position p) const {
  if (p.line >= starts_.size())
    return static_cast<uint32_t>(text_.size());
  uint32_t i = starts_[p.line], end = lineEnd(p.line), units = 0;
  while (i < end && units < p.character) {
    CodePoint cp = decodeAt(text_, i);
    if (units + cp.units > p.character)
      break; // inside a surrogate pair: stay at the code point's start
    i += cp.bytes;
    units += cp.units;
  }
  return std::min(i, end);
}

Position LineIndex::positionAt(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, text_.size());
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts_.begin()) - 1;
  uint32_t end = std::min(offset, lineEnd(line)), units = 0;
  for (uint32_t i = starts_[line]; i < end;) {
    CodePoint cp = decodeAt(text_, i);
    if (i + cp.bytes > end)
      break;
    i += cp.bytes;
    units += cp.units;
  }
  return {line, units};
}

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}
} // namespace

std::string uriToPath(const std::string &uri) {
  static const std::string kScheme = "file://";
  if (uri.compare(0, kScheme.size(), kScheme) != 0)
    return "";
  // Skip the authority (usually empty): the path starts at the next '/'.
  size_t slash = uri.find('/', kScheme.size());
  if (slash == std::string::npos)
    return "";
  std::string path;
  for (size_t i = slash; i < uri.size(); ++i) {
    int hi, lo;
    if (uri[i] == '%' && i + 2 < uri.size() && (hi = hexValue(uri[i + 1])) >= 0 &&
        (lo = hexValue(uri[i + 2])) >= 0) {
      path.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (uri[i] == '?' || uri[i] == '#') {
      break;
    } else {
      path.push_back(uri[i]);
    }
  }
  return path;
}

std::string pathToUri(const std::string &path) {
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec)
    abs = path;
  static const char *kHex = "0123456789ABCDEF";
  std::string uri = "file://";
  for (unsigned char c : abs) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri.push_back(static_cast<char>(c));
    } else {
      uri.push_back('%');
      uri.push_back(kHex[c >> 4]);
      uri.push_back(kHex[c & 15]);
    }
  }
  return uri;
}

Position parsePosition(const json::Value *v) {
  const json::Object &o = asObject(v, "position");
  int64_t line = intField(o, "line"), character = intField(o, "character");
  if (line < 0 || character < 0)
    throw RpcError{InvalidParams, "a position's line and character cannot be negative"};
  // Beyond uint32 is beyond any text we hold: clamp, as for any far position.
  auto clamp = [](int64_t n) { return static_cast<uint32_t>(std::min<int64_t>(n, UINT32_MAX)); };
  return {clamp(line), clamp(character)};
}

json::Value toJson(Position p) {
  return json::Object{{"line", static_cast<int64_t>(p.line)},
                      {"character", static_cast<int64_t>(p.character)}};
}

void applyChange(std::string &text, const json::Object &change) {
  std::string newText = stringField(change, "text");
  const json::Value *range = change.get("range");
  if (!range) {
    if (newText.size() > kMaxDocumentBytes)
      throw RpcError{RequestFailed, "the document would be too large"};
    text = std::move(newText);
    return;
  }
  const json::Object &r = asObject(range, "range");
  LineIndex index(text);
  uint32_t begin = index.offsetAt(parsePosition(r.get("start")));
  uint32_t end = index.offsetAt(parsePosition(r.get("end")));
  if (begin > end)
    std::swap(begin, end);
  if (text.size() - (end - begin) + newText.size() > kMaxDocumentBytes)
    throw RpcError{RequestFailed, "the document would be too large"};
  text.replace(begin, end - begin, newText);
}

} // namespace mlpc::lsp
