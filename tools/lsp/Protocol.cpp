#include "tools/lsp/Protocol.h"

#include <cctype>
#include <llvm/Support/raw_ostream.h>

namespace mlpc::lsp {

namespace {
// Header lines longer than this keep only their tail: enough to find a
// `Content-Length:` that follows garbage on the same line.
constexpr size_t kMaxHeaderLine = 4096;

// Finds `Content-Length:` (any case) anywhere in a header line and parses its
// value; -1 when absent or not a number.
int64_t contentLength(const std::string &line) {
  static const std::string kName = "content-length:";
  std::string lower = line;
  for (char &c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = lower.rfind(kName);
  if (at == std::string::npos)
    return -1;
  size_t i = at + kName.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
    ++i;
  int64_t n = 0;
  size_t digits = 0;
  for (; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i, ++digits) {
    if (digits >= 15)
      return -1; // far beyond any message we would read
    n = n * 10 + (line[i] - '0');
  }
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
    ++i;
  return digits && i == line.size() ? n : -1;
}

// Reads one header line without its line break; false at end of input.
bool readHeaderLine(std::istream &in, std::string &line) {
  line.clear();
  int c;
  bool any = false;
  while ((c = in.get()) != EOF) {
    any = true;
    if (c == '\n')
      break;
    line.push_back(static_cast<char>(c));
    if (line.size() > 2 * kMaxHeaderLine)
      line.erase(0, line.size() - kMaxHeaderLine);
  }
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return any;
}
} // namespace

ReadStatus readMessage(std::istream &in, std::string &body, std::string &error) {
  int64_t length = -1;
  bool sawHeader = false;
  std::string line;
  for (;;) {
    if (!readHeaderLine(in, line))
      return ReadStatus::End;
    if (line.empty()) {
      if (sawHeader)
        break;
      continue; // stray blank lines between messages
    }
    sawHeader = true;
    if (int64_t n = contentLength(line); n >= 0)
      length = n;
  }
  if (length < 0) {
    error = "message header without a valid Content-Length";
    return ReadStatus::Skipped;
  }
  if (static_cast<uint64_t>(length) > kMaxMessageBytes) {
    in.ignore(length);
    error = "message of " + std::to_string(length) + " bytes is too large";
    return in ? ReadStatus::Skipped : ReadStatus::End;
  }
  body.assign(static_cast<size_t>(length), '\0');
  in.read(body.data(), length);
  if (in.gcount() != length)
    return ReadStatus::End;
  return ReadStatus::Message;
}

void writeMessage(std::ostream &out, const json::Value &message) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << message;
  os.flush();
  out << "Content-Length: " << text.size() << "\r\n\r\n" << text;
  out.flush();
}

json::Value jsonText(std::string text) {
  if (!json::isUTF8(text))
    text = json::fixUTF8(text);
  return json::Value(std::move(text));
}

const json::Object &asObject(const json::Value *v, llvm::StringRef what) {
  const json::Object *o = v ? v->getAsObject() : nullptr;
  if (!o)
    throw RpcError{InvalidParams, ("`" + what + "` must be an object").str()};
  return *o;
}

const json::Object &objectField(const json::Object &o, llvm::StringRef key) {
  return asObject(o.get(key), key);
}

std::string stringField(const json::Object &o, llvm::StringRef key) {
  auto s = o.getString(key);
  if (!s)
    throw RpcError{InvalidParams, ("`" + key + "` must be a string").str()};
  return s->str();
}

int64_t intField(const json::Object &o, llvm::StringRef key) {
  auto n = o.getInteger(key);
  if (!n)
    throw RpcError{InvalidParams, ("`" + key + "` must be an integer").str()};
  return *n;
}

} // namespace mlpc::lsp
