// Open documents, URIs, and LSP positions.
//
// The protocol counts a position's `character` in UTF-16 code units (the
// encoding this server advertises); the compiler counts bytes of UTF-8. A
// LineIndex converts between the two for one text.
#pragma once

#include "tools/lsp/Protocol.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mlpc::lsp {

struct Analysis;

struct Position {
  uint32_t line = 0;      // 0-based
  uint32_t character = 0; // UTF-16 code units from the line's start
};

// Line starts of a text. Lines end at `\n`, `\r\n` or `\r`, as LSP defines.
class LineIndex {
public:
  explicit LineIndex(std::string_view text);

  // The byte offset of a position. A character past the end of its line
  // means the line's end; a line past the last one means the end of the
  // text; a character inside a surrogate pair means the code point's start.
  uint32_t offsetAt(Position p) const;
  // The position of a byte offset (clamped to the text).
  Position positionAt(uint32_t offset) const;

private:
  uint32_t lineEnd(uint32_t line) const; // offset of the line's terminator
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

// Length in bytes and in UTF-16 code units of the UTF-8 sequence at `text[i]`;
// an invalid byte counts as one unit (an editor shows it as U+FFFD).
struct CodePoint {
  uint32_t bytes;
  uint32_t units;
};
CodePoint decodeAt(std::string_view text, size_t i);

// `file:///a/b%20c.mlp` -> `/a/b c.mlp`; other schemes (`untitled:`) give "".
std::string uriToPath(const std::string &uri);
// An absolute path as a `file://` URI, percent-encoded.
std::string pathToUri(const std::string &path);

struct Document {
  std::string uri;
  std::string path; // for imports and messages: the file path, or the URI itself
  std::string text;
  int64_t version = 0;
  // The last analysis of this text (null until the first).
  std::shared_ptr<const Analysis> analysis;
};

// A document may grow to this size; past it, changes are refused (offsets
// are 32-bit, and the parser stops at 32 MiB anyway).
constexpr size_t kMaxDocumentBytes = 256u << 20;

// Applies one `TextDocumentContentChangeEvent`: with a `range`, replaces that
// range; without, replaces the whole text. Throws RpcError on a bad change.
void applyChange(std::string &text, const json::Object &change);

// Reads `{line, character}`; negative or missing numbers throw RpcError.
Position parsePosition(const json::Value *v);
json::Value toJson(Position p);

} // namespace mlpc::lsp
