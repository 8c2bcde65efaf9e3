#include "frontend/format/Doc.h"

#include <algorithm>

namespace mlpc::format {

Doc text(std::string s) {
  Doc d(Doc::Kind::Text);
  d.node_->breaks = s.find('\n') != std::string::npos;
  d.node_->text = std::move(s);
  return d;
}
Doc line() { return Doc(Doc::Kind::Line); }
Doc softLine() { return Doc(Doc::Kind::SoftLine); }
Doc hardLine() {
  Doc d(Doc::Kind::HardLine);
  d.node_->breaks = true;
  return d;
}
Doc ifBreak(std::string broken, std::string flat) {
  Doc d(Doc::Kind::IfBreak);
  d.node_->text = std::move(broken);
  d.node_->flatText = std::move(flat);
  return d;
}
// A line-end comment must end its line: whatever group holds it breaks.
Doc lineSuffix(std::string s) {
  Doc d(Doc::Kind::LineSuffix);
  d.node_->text = std::move(s);
  d.node_->breaks = true;
  return d;
}
Doc concat(std::vector<Doc> parts) {
  Doc d(Doc::Kind::Concat);
  d.node_->breaks =
      std::any_of(parts.begin(), parts.end(), [](const Doc &p) { return p.breaks(); });
  d.node_->parts = std::move(parts);
  return d;
}
Doc nest(int indent, Doc doc) {
  Doc d(Doc::Kind::Nest);
  d.node_->indent = indent;
  d.node_->breaks = doc.breaks();
  d.node_->parts.push_back(std::move(doc));
  return d;
}
Doc group(Doc doc) {
  Doc d(Doc::Kind::Group);
  d.node_->breaks = doc.breaks();
  d.node_->parts.push_back(std::move(doc));
  return d;
}

Doc fill(std::vector<Doc> parts) {
  Doc d = concat(std::move(parts));
  d.node_->kind = Doc::Kind::Fill;
  return d;
}

namespace {

enum class Mode { Flat, Break };

struct Command {
  int indent;
  Mode mode;
  const Doc *doc;
  size_t start = 0; // Fill: the first part still to print
};

// Display width of UTF-8 text: one column per code point.
int width(const std::string &s) {
  return static_cast<int>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Whether `next`, printed flat, and what follows it up to the next line
// break fit in `remaining` columns.
bool fits(Command next, const std::vector<Command> &rest, int remaining) {
  std::vector<Command> stack{next};
  size_t restIndex = rest.size();
  while (remaining >= 0) {
    if (stack.empty()) {
      if (restIndex == 0)
        return true;
      stack.push_back(rest[--restIndex]);
    }
    Command c = stack.back();
    stack.pop_back();
    const Doc &d = *c.doc;
    switch (d.kind()) {
    case Doc::Kind::Text:
      remaining -= width(d.text());
      break;
    case Doc::Kind::Line:
      if (c.mode == Mode::Break)
        return true;
      remaining -= 1;
      break;
    case Doc::Kind::SoftLine:
      if (c.mode == Mode::Break)
        return true;
      break;
    case Doc::Kind::HardLine:
      return true;
    case Doc::Kind::IfBreak:
      remaining -= width(c.mode == Mode::Break ? d.text() : d.flatText());
      break;
    case Doc::Kind::LineSuffix:
      break;
    case Doc::Kind::Concat:
    case Doc::Kind::Nest:
    case Doc::Kind::Fill:
      for (size_t i = d.parts().size(); i-- > c.start;)
        stack.push_back({c.indent, c.mode, &d.parts()[i]});
      break;
    case Doc::Kind::Group:
      stack.push_back({c.indent, d.breaks() ? Mode::Break : c.mode, &d.parts()[0]});
      break;
    }
  }
  return false;
}

} // namespace

std::string render(const Doc &doc, unsigned width) {
  std::string out;
  std::vector<std::string> suffixes; // line-end comments waiting for the newline
  int column = 0;
  bool atLineStart = true;
  std::vector<Command> stack{{0, Mode::Break, &doc}};

  auto newline = [&](int indent) {
    for (const std::string &s : suffixes)
      out += s;
    suffixes.clear();
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
      out.pop_back();
    out += '\n';
    column = indent;
    atLineStart = true;
  };
  auto write = [&](const Command &c, const std::string &s) {
    if (s.empty())
      return;
    if (atLineStart) {
      out.append(static_cast<size_t>(c.indent), ' ');
      column = c.indent;
      atLineStart = false;
    }
    out += s;
    size_t lastBreak = s.rfind('\n');
    column = lastBreak == std::string::npos ? column + format::width(s)
                                            : format::width(s.substr(lastBreak + 1));
  };

  while (!stack.empty()) {
    Command c = stack.back();
    stack.pop_back();
    const Doc &d = *c.doc;
    switch (d.kind()) {
    case Doc::Kind::Text:
      write(c, d.text());
      break;
    case Doc::Kind::Line:
    case Doc::Kind::SoftLine:
      if (c.mode == Mode::Flat) {
        if (d.kind() == Doc::Kind::Line)
          write(c, " ");
        break;
      }
      newline(c.indent);
      break;
    case Doc::Kind::HardLine:
      newline(c.indent);
      break;
    case Doc::Kind::IfBreak:
      write(c, c.mode == Mode::Break ? d.text() : d.flatText());
      break;
    case Doc::Kind::LineSuffix:
      suffixes.push_back(d.text());
      break;
    case Doc::Kind::Concat:
      for (auto it = d.parts().rbegin(); it != d.parts().rend(); ++it)
        stack.push_back({c.indent, c.mode, &*it});
      break;
    case Doc::Kind::Nest:
      stack.push_back({c.indent + d.indent(), c.mode, &d.parts()[0]});
      break;
    case Doc::Kind::Group: {
      Command flat{c.indent, Mode::Flat, &d.parts()[0]};
      bool flatFits = !d.breaks() &&
                      (c.mode == Mode::Flat || fits(flat, stack, static_cast<int>(width) - column));
      stack.push_back(flatFits ? flat : Command{c.indent, Mode::Break, &d.parts()[0]});
      break;
    }
    case Doc::Kind::Fill: {
      // Prettier's fill: print one content; break the separator after it
      // only if the next content would not fit after it.
      const std::vector<Doc> &parts = d.parts();
      if (c.start >= parts.size())
        break;
      int remaining = static_cast<int>(width) - column;
      Command content{c.indent, Mode::Flat, &parts[c.start]};
      bool contentFits = c.mode == Mode::Flat || fits(content, {}, remaining);
      if (c.start + 1 >= parts.size()) {
        stack.push_back(contentFits ? content : Command{c.indent, Mode::Break, content.doc});
        break;
      }
      Command separator{c.indent, Mode::Flat, &parts[c.start + 1]};
      bool bothFit = false;
      if (c.start + 2 < parts.size()) {
        Doc pair = concat({parts[c.start], parts[c.start + 1], parts[c.start + 2]});
        bothFit = c.mode == Mode::Flat || fits({c.indent, Mode::Flat, &pair}, {}, remaining);
      }
      stack.push_back({c.indent, c.mode, &d, c.start + 2});
      stack.push_back(bothFit ? separator : Command{c.indent, Mode::Break, separator.doc});
      stack.push_back(contentFits ? content : Command{c.indent, Mode::Break, content.doc});
      break;
    }
    }
  }
  for (const std::string &s : suffixes)
    out += s;
  return out;
}

} // namespace mlpc::format
