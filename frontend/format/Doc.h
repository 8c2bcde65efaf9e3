// A small pretty-printing document algebra (Wadler's "prettier printer", as
// Prettier and rustfmt's successors use it): text, line breaks that a group
// takes or not as a whole, nesting and deferred line-end comments.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace mlpc::format {

class Doc {
public:
  enum class Kind {
    Text,       // literal text (a multi-line comment may contain newlines)
    Line,       // a space, or a newline when the enclosing group breaks
    SoftLine,   // nothing, or a newline when the enclosing group breaks
    HardLine,   // always a newline; breaks every enclosing group
    IfBreak,    // one text when the enclosing group breaks, another when flat
    LineSuffix, // text held back until the end of the line (`// comment`)
    Concat,
    Nest,  // children indented by `indent` after each newline
    Group, // children on one line if they fit, else every Line breaks
    Fill,  // content, separator, content, ...: a separator breaks only when
           // the content after it would not fit on the line
  };

  Doc() : Doc(Kind::Concat) {}
  Kind kind() const { return node_->kind; }
  const std::string &text() const { return node_->text; }
  const std::string &flatText() const { return node_->flatText; }
  const std::vector<Doc> &parts() const { return node_->parts; }
  int indent() const { return node_->indent; }
  // True when a hard line break (or a comment that ends a line) is inside:
  // such a group can never be printed flat.
  bool breaks() const { return node_->breaks; }
  bool empty() const { return node_->kind == Kind::Concat && node_->parts.empty(); }

  friend Doc text(std::string s);
  friend Doc line();
  friend Doc softLine();
  friend Doc hardLine();
  friend Doc ifBreak(std::string broken, std::string flat);
  friend Doc lineSuffix(std::string s);
  friend Doc concat(std::vector<Doc> parts);
  friend Doc nest(int indent, Doc doc);
  friend Doc group(Doc doc);
  Doc fill(std::vector<Doc> parts);
  friend Doc fill(std::vector<Doc> parts);

private:
  struct Node {
    Kind kind;
    std::string text;
    std::string flatText; // IfBreak
    std::vector<Doc> parts;
    int indent = 0;
    bool breaks = false;
  };
  explicit Doc(Kind kind) : node_(std::make_shared<Node>()) { node_->kind = kind; }
  std::shared_ptr<Node> node_;
};

Doc text(std::string s);
Doc line();
Doc softLine();
Doc hardLine();
Doc ifBreak(std::string broken, std::string flat = "");
Doc lineSuffix(std::string s);
Doc concat(std::vector<Doc> parts);
Doc nest(int indent, Doc doc);
Doc group(Doc doc);
Doc fill(std::vector<Doc> parts);

// Lays `doc` out in `width` columns. Lines carry no trailing whitespace.
std::string render(const Doc &doc, unsigned width);

} // namespace mlpc::format
