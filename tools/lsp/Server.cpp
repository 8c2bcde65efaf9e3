// The server loop: reads messages, dispatches them by method, answers each
// request in order, and publishes diagnostics after every change.
#include "tools/lsp/Server.h"

#include "tools/lsp/Features.h"
#include "tools/lsp/Protocol.h"

#include <iostream>
#include <llvm/Support/Error.h>

namespace mlpc::lsp {

namespace {

class Server {
public:
  explicit Server(std::ostream &out) : out_(out) {}

  // Handles one message; returns true on `exit`.
  bool handle(const std::string &body);
  void replyError(const json::Value &id, int code, const std::string &message) {
    writeMessage(out_, json::Object{{"jsonrpc", "2.0"},
                                    {"id", id},
                                    {"error", json::Object{{"code", code},
                                                           {"message", jsonText(message)}}}});
  }
  int exitCode() const { return shutdown_ ? 0 : 1; }

private:
  using Request = json::Value (Server::*)(const json::Object &params);
  using Notification = void (Server::*)(const json::Object &params);

  void request(const json::Value &id, llvm::StringRef method, const json::Object &params);
  void notification(llvm::StringRef method, const json::Object &params);

  // Requests.
  json::Value initialize(const json::Object &params);
  json::Value shutdown(const json::Object &) {
    shutdown_ = true;
    return nullptr;
  }
  json::Value onHover(const json::Object &params) {
    auto [doc, offset] = at(params);
    return hover(analysisOf(doc), offset);
  }
  json::Value onDefinition(const json::Object &params) {
    auto [doc, offset] = at(params);
    return definition(analysisOf(doc), offset);
  }
  json::Value onDocumentSymbol(const json::Object &params) {
    return documentSymbols(analysisOf(document(params)));
  }
  json::Value onCompletion(const json::Object &params) {
    auto [doc, offset] = at(params);
    return completion(doc, offset, overlay());
  }
  json::Value onFormatting(const json::Object &params) { return formatting(document(params)); }

  // Notifications.
  void initialized(const json::Object &) {}
  void didOpen(const json::Object &params);
  void didChange(const json::Object &params);
  void didClose(const json::Object &params);
  // Saving changes no text we hold, but files the document imports may have
  // changed on disk meanwhile: check it again.
  void didSave(const json::Object &params) { refresh(document(params)); }

  Document &document(const json::Object &params);
  std::pair<Document &, uint32_t> at(const json::Object &params);
  const Analysis &analysisOf(Document &doc);
  Overlay overlay() const;
  // Checks `doc` again and publishes its diagnostics.
  void refresh(Document &doc);
  // Checks the open documents that import `path` (their view of it changed).
  void refreshDependents(const std::string &path);
  void publish(const std::string &uri, std::optional<int64_t> version, json::Array diagnostics);

  std::ostream &out_;
  std::map<std::string, Document> docs_; // by URI
  bool initialized_ = false;
  bool shutdown_ = false;
};

bool Server::handle(const std::string &body) {
  llvm::Expected<json::Value> parsed = json::parse(body);
  if (!parsed) {
    replyError(nullptr, ParseError, "invalid JSON: " + llvm::toString(parsed.takeError()));
    return false;
  }
  const json::Object *msg = parsed->getAsObject();
  if (!msg) {
    replyError(nullptr, InvalidRequest, "a message must be a JSON object");
    return false;
  }
  const json::Value *id = msg->get("id");
  auto method = msg->getString("method");
  if (id && id->kind() != json::Value::String && id->kind() != json::Value::Number) {
    replyError(nullptr, InvalidRequest, "`id` must be a string or a number");
    return false;
  }
  if (!method) {
    // A response to a request of ours: this server sends none, so ignore it.
    if (id && (msg->get("result") || msg->get("error")))
      return false;
    replyError(id ? *id : nullptr, InvalidRequest, "a request needs a string `method`");
    return false;
  }
  static const json::Object kNoParams;
  const json::Value *params = msg->get("params");
  // Absent and null params are both "none" (clients differ on `shutdown`).
  const json::Object *object =
      params && params->kind() != json::Value::Null ? params->getAsObject() : &kNoParams;
  if (!id) {
    if (*method == "exit")
      return true;
    if (object)
      notification(*method, *object);
    return false;
  }
  if (!object) {
    replyError(*id, InvalidParams, "`params` must be an object");
    return false;
  }
  request(*id, *method, *object);
  return false;
}

void Server::request(const json::Value &id, llvm::StringRef method, const json::Object &params) {
  static const std::map<std::string, Request, std::less<>> kRequests = {
      {"initialize", &Server::initialize},
      {"shutdown", &Server::shutdown},
      {"textDocument/hover", &Server::onHover},
      {"textDocument/definition", &Server::onDefinition},
      {"textDocument/documentSymbol", &Server::onDocumentSymbol},
      {"textDocument/completion", &Server::onCompletion},
      {"textDocument/formatting", &Server::onFormatting},
  };
  if (!initialized_ && method != "initialize")
    return replyError(id, ServerNotInitialized, "the server is not initialized yet");
  if (shutdown_)
    return replyError(id, InvalidRequest, "the server is shutting down");
  auto it = kRequests.find(method);
  if (it == kRequests.end())
    return replyError(id, MethodNotFound, ("unknown method `" + method + "`").str());
  try {
    json::Value result = (this->*(it->second))(params);
    writeMessage(out_, json::Object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
  } catch (const RpcError &e) {
    replyError(id, e.code, e.message);
  } catch (const std::exception &e) {
    replyError(id, InternalError, std::string("internal error: ") + e.what());
  }
}

void Server::notification(llvm::StringRef method, const json::Object &params) {
  static const std::map<std::string, Notification, std::less<>> kNotifications = {
      {"initialized", &Server::initialized},          {"textDocument/didOpen", &Server::didOpen},
      {"textDocument/didChange", &Server::didChange}, {"textDocument/didClose", &Server::didClose},
      {"textDocument/didSave", &Server::didSave},
  };
  // Before `initialize`, and after `shutdown`, notifications are dropped;
  // unknown ones ($/cancelRequest, $/setTrace, ...) need nothing from us.
  auto it = kNotifications.find(method);
  if (!initialized_ || shutdown_ || it == kNotifications.end())
    return;
  try {
    (this->*(it->second))(params);
  } catch (const RpcError &e) {
    std::cerr << "mlpc lsp: " << method.str() << ": " << e.message << "\n";
  } catch (const std::exception &e) {
    std::cerr << "mlpc lsp: " << method.str() << ": internal error: " << e.what() << "\n";
  }
}

json::Value Server::initialize(const json::Object &) {
  if (initialized_)
    throw RpcError{InvalidRequest, "the server is already initialized"};
  initialized_ = true;
  json::Object sync{{"openClose", true}, {"change", 2}, {"save", json::Object{}}};
  json::Object completion{{"triggerCharacters", json::Array{".", "(", ",", ":", "["}},
                          {"resolveProvider", false}};
  json::Object capabilities{{"positionEncoding", "utf-16"},
                            {"textDocumentSync", std::move(sync)},
                            {"hoverProvider", true},
                            {"definitionProvider", true},
                            {"documentSymbolProvider", true},
                            {"completionProvider", std::move(completion)},
                            {"documentFormattingProvider", true}};
  return json::Object{{"capabilities", std::move(capabilities)},
                      {"serverInfo", json::Object{{"name", "mlpc"}, {"version", MLPC_VERSION}}}};
}

Document &Server::document(const json::Object &params) {
  std::string uri = stringField(objectField(params, "textDocument"), "uri");
  auto it = docs_.find(uri);
  if (it == docs_.end())
    throw RpcError{InvalidParams, "document `" + uri + "` is not open"};
  return it->second;
}

std::pair<Document &, uint32_t> Server::at(const json::Object &params) {
  Document &doc = document(params);
  Position p = parsePosition(params.get("position"));
  return {doc, LineIndex(doc.text).offsetAt(p)};
}

const Analysis &Server::analysisOf(Document &doc) {
  if (!doc.analysis)
    doc.analysis = analyze(doc, doc.text, overlay());
  return *doc.analysis;
}

Overlay Server::overlay() const {
  Overlay files;
  for (const auto &[uri, doc] : docs_)
    files[canonicalPath(doc.path)] = doc.text;
  return files;
}

void Server::publish(const std::string &uri, std::optional<int64_t> version,
                     json::Array diagnostics) {
  json::Object params{{"uri", jsonText(uri)}, {"diagnostics", std::move(diagnostics)}};
  if (version)
    params["version"] = *version;
  writeMessage(out_, json::Object{{"jsonrpc", "2.0"},
                                  {"method", "textDocument/publishDiagnostics"},
                                  {"params", std::move(params)}});
}

void Server::refresh(Document &doc) {
  doc.analysis = analyze(doc, doc.text, overlay());
  publish(doc.uri, doc.version, diagnosticsOf(*doc.analysis));
}

void Server::refreshDependents(const std::string &path) {
  std::string canonical = canonicalPath(path);
  for (auto &[uri, doc] : docs_)
    if (doc.analysis && doc.path != path && doc.analysis->files.count(canonical))
      refresh(doc);
}

void Server::didOpen(const json::Object &params) {
  const json::Object &item = objectField(params, "textDocument");
  Document doc;
  doc.uri = stringField(item, "uri");
  doc.text = stringField(item, "text");
  if (doc.text.size() > kMaxDocumentBytes)
    throw RpcError{RequestFailed, "the document is too large"};
  doc.version = item.getInteger("version").getValueOr(0);
  doc.path = uriToPath(doc.uri);
  if (doc.path.empty())
    doc.path = doc.uri;
  Document &stored = docs_[doc.uri] = std::move(doc);
  refresh(stored);
  refreshDependents(stored.path);
}

void Server::didChange(const json::Object &params) {
  Document &doc = document(params);
  const json::Array *changes = params.getArray("contentChanges");
  if (!changes)
    throw RpcError{InvalidParams, "`contentChanges` must be an array"};
  // Apply to a copy: a bad change in the middle leaves the document as it was.
  std::string text = doc.text;
  for (const json::Value &change : *changes)
    applyChange(text, asObject(&change, "contentChanges[]"));
  doc.text = std::move(text);
  if (auto version = objectField(params, "textDocument").getInteger("version"))
    doc.version = *version;
  refresh(doc);
  refreshDependents(doc.path);
}

void Server::didClose(const json::Object &params) {
  Document &doc = document(params);
  std::string uri = doc.uri, path = doc.path;
  docs_.erase(uri);
  publish(uri, std::nullopt, {});
  refreshDependents(path); // they read the file from disk again
}

} // namespace

int runServer(std::istream &in, std::ostream &out) {
  Server server(out);
  std::string body, error;
  for (;;) {
    switch (readMessage(in, body, error)) {
    case ReadStatus::End:
      return server.exitCode();
    case ReadStatus::Skipped:
      server.replyError(nullptr, ParseError, error);
      break;
    case ReadStatus::Message:
      try {
        if (server.handle(body))
          return server.exitCode();
      } catch (const std::exception &e) {
        std::cerr << "mlpc lsp: internal error: " << e.what() << "\n";
      }
      break;
    }
  }
}

} // namespace mlpc::lsp
