// JSON-RPC 2.0 as the Language Server Protocol frames it: each message is a
// `Content-Length: N` header block, a blank line, then N bytes of JSON.
#pragma once

#include <llvm/Support/JSON.h>

#include <istream>
#include <ostream>
#include <string>

namespace mlpc::lsp {

namespace json = llvm::json;

// JSON-RPC and LSP error codes.
enum ErrorCode {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  RequestFailed = -32803,
};

// A request that cannot be answered with a result: becomes an error response.
struct RpcError {
  int code;
  std::string message;
};

// The largest message body read; bigger ones are skipped (the parser refuses
// sources over 32 MiB anyway, and JSON escaping at most doubles them).
constexpr size_t kMaxMessageBytes = 80u << 20;

enum class ReadStatus {
  Message, // `body` holds one message
  Skipped, // a broken header or an oversized body was skipped; `error` says why
  End,     // end of input
};

// Reads the next message. A broken header does not lose the stream: the
// reader resynchronises on the next `Content-Length:` it sees.
ReadStatus readMessage(std::istream &in, std::string &body, std::string &error);

// Writes one message and flushes, so the client sees it at once.
void writeMessage(std::ostream &out, const json::Value &message);

// A JSON string from text that may not be valid UTF-8 (a file read from disk):
// invalid bytes become U+FFFD instead of an assertion failure.
json::Value jsonText(std::string text);

// Accessors for request parameters: each throws RpcError(InvalidParams)
// naming the missing or mistyped field.
const json::Object &objectField(const json::Object &o, llvm::StringRef key);
std::string stringField(const json::Object &o, llvm::StringRef key);
int64_t intField(const json::Object &o, llvm::StringRef key);
const json::Object &asObject(const json::Value *v, llvm::StringRef what);

} // namespace mlpc::lsp
