#include "frontend/diag/Render.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>
#include <map>

namespace mlpc::diag {
namespace {

const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

struct Colors {
  bool on;
  std::string paint(std::string_view text, const char *code) const {
    if (!on)
      return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
  const char *severity(Severity s) const {
    return s == Severity::Error ? "1;31" : s == Severity::Warning ? "1;33" : "1;36";
  }
};

// Tabs expand to 4 columns; every other code point is one column.
std::string expandTabs(std::string_view line) {
  std::string out;
  for (char c : line) {
    if (c == '\t')
      out += "    ";
    else
      out += c;
  }
  return out;
}

uint32_t displayColumn(std::string_view line, uint32_t byteOffset) {
  uint32_t col = 0;
  for (uint32_t i = 0; i < byteOffset && i < line.size(); ++i) {
    unsigned char c = line[i];
    if (c == '\t')
      col += 4;
    else if ((c & 0xC0) != 0x80)
      ++col;
  }
  return col;
}

// The columns [from, to) of an expanded line, counted in code points.
std::string sliceColumns(const std::string &line, uint32_t from, uint32_t to) {
  std::string out;
  uint32_t col = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = line[i];
    if ((c & 0xC0) != 0x80 && i > 0)
      ++col;
    if (col >= to)
      break;
    if (col >= from)
      out += line[i];
  }
  return out;
}

// Long lines (minified or generated code) are cut to a window around the
// labels, so one diagnostic never prints kilobytes of source.
constexpr uint32_t kMaxLineColumns = 160;
constexpr uint32_t kContextColumns = 40;

// One label resolved to a line and display columns.
struct PlacedLabel {
  uint32_t line;
  uint32_t startCol;
  uint32_t width;
  const Label *label;
};

PlacedLabel place(const Label &label, const source::SourceFile &file) {
  source::LineColumn lc = file.lineColumn(label.range.begin);
  std::string_view text = file.lineText(lc.line);
  uint32_t lineStart = file.lineStart(lc.line);
  uint32_t begin = label.range.begin - lineStart;
  uint32_t end = std::max(label.range.end, label.range.begin) - lineStart;
  end = std::min<uint32_t>(end, text.size()); // a multi-line range is cut at the line end
  uint32_t startCol = displayColumn(text, begin);
  uint32_t width = std::max<uint32_t>(1, displayColumn(text, end) - startCol);
  return {lc.line, startCol, width, &label};
}

std::string location(const source::SourceManager &sources, source::SourceRange r) {
  const source::SourceFile &f = sources.file(r.file);
  source::LineColumn lc = f.lineColumn(r.begin);
  return fmt::format("{}:{}:{}", f.path(), lc.line, lc.column);
}

} // namespace

std::string renderText(const Diagnostic &diag, const source::SourceManager &sources,
                       const RenderOptions &options) {
  Colors c{options.color};
  std::string out;
  out += c.paint(fmt::format("{}[{}]", severityName(diag.severity), diag.code()),
                 c.severity(diag.severity));
  out += c.paint(fmt::format(": {}", diag.message), "1");
  out += "\n";

  // Group labels by file; the primary label's file comes first.
  std::vector<source::FileId> files;
  for (const Label &l : diag.labels)
    if (l.range.valid() && std::find(files.begin(), files.end(), l.range.file) == files.end())
      files.push_back(l.range.file);

  uint32_t maxLine = 0;
  for (const Label &l : diag.labels)
    if (l.range.valid())
      maxLine = std::max(maxLine, sources.file(l.range.file).lineColumn(l.range.begin).line);
  size_t gutter = std::to_string(maxLine).size();
  std::string pad(gutter, ' ');
  auto bar = [&] { return c.paint(pad + " |", "1;34"); };

  for (size_t fi = 0; fi < files.size(); ++fi) {
    const source::SourceFile &file = sources.file(files[fi]);
    std::vector<PlacedLabel> placed;
    const Label *first = nullptr;
    for (const Label &l : diag.labels) {
      if (l.range.file != files[fi])
        continue;
      placed.push_back(place(l, file));
      if (!first)
        first = &l;
    }
    out += fmt::format("{}{} {}\n", pad, c.paint(fi == 0 ? "-->" : ":::", "1;34"),
                       location(sources, first->range));
    out += bar() + "\n";
    std::stable_sort(placed.begin(), placed.end(),
                     [](const PlacedLabel &a, const PlacedLabel &b) { return a.line < b.line; });
    uint32_t lastLine = 0;
    for (size_t i = 0; i < placed.size();) {
      uint32_t line = placed[i].line;
      if (lastLine && line > lastLine + 1)
        out += c.paint("...", "1;34") + "\n";
      // Labels on this line, rightmost first, each on its own marker line
      // after the first so texts never overlap.
      std::vector<PlacedLabel> onLine;
      for (; i < placed.size() && placed[i].line == line; ++i)
        onLine.push_back(placed[i]);
      std::string text = expandTabs(file.lineText(line));
      uint32_t columns = source::countCodePoints(text);
      if (columns > kMaxLineColumns) {
        uint32_t first = UINT32_MAX, last = 0;
        for (const PlacedLabel &p : onLine) {
          first = std::min(first, p.startCol);
          last = std::max(last, p.startCol + p.width);
        }
        uint32_t from = first > kContextColumns ? first - kContextColumns : 0;
        uint32_t to = std::min(columns, std::max(last, first + 1) + kContextColumns);
        to = std::min(to, from + kMaxLineColumns);
        std::string window =
            (from > 0 ? "..." : "") + sliceColumns(text, from, to) + (to < columns ? "..." : "");
        uint32_t shift = from > 0 ? 3 : 0;
        for (PlacedLabel &p : onLine) {
          p.startCol = p.startCol >= from ? p.startCol - from + shift : shift;
          p.width = std::max<uint32_t>(1, std::min(p.width, to - std::min(to, from) + 3));
        }
        text = window;
      }
      out += c.paint(fmt::format("{:>{}} |", line, gutter), "1;34") + " " + text + "\n";
      std::sort(onLine.begin(), onLine.end(),
                [](const PlacedLabel &a, const PlacedLabel &b) { return a.startCol > b.startCol; });
      for (const PlacedLabel &p : onLine) {
        const char *marker = p.label->primary ? "^" : "-";
        std::string marks;
        for (uint32_t k = 0; k < p.width; ++k)
          marks += marker;
        std::string text = p.label->text.empty() ? "" : " " + p.label->text;
        out += bar() + " " + std::string(p.startCol, ' ') +
               c.paint(marks + text, p.label->primary ? c.severity(diag.severity) : "1;34") + "\n";
      }
      lastLine = line;
    }
  }
  if (!files.empty() && (!diag.notes.empty() || !diag.helps.empty()))
    out += bar() + "\n";
  for (const std::string &note : diag.notes)
    out += fmt::format("{} {} {}\n", pad, c.paint("= note:", "1"), note);
  for (const Help &help : diag.helps) {
    if (help.fixits.empty() || !help.fixits.front().range.valid()) {
      out += fmt::format("{} {} {}\n", pad, c.paint("= help:", "1"), help.text);
      continue;
    }
    // Show the line as it would read with the fix applied.
    const FixIt &fix = help.fixits.front();
    const source::SourceFile &file = sources.file(fix.range.file);
    source::LineColumn lc = file.lineColumn(fix.range.begin);
    std::string_view text = file.lineText(lc.line);
    uint32_t begin = fix.range.begin - file.lineStart(lc.line);
    uint32_t end = std::min<uint32_t>(fix.range.end - file.lineStart(lc.line), text.size());
    begin = std::min<uint32_t>(begin, text.size());
    std::string fixed =
        std::string(text.substr(0, begin)) + fix.replacement + std::string(text.substr(end));
    out += c.paint("help", "1;36") + ": " + help.text + "\n";
    out += bar() + "\n";
    out +=
        c.paint(fmt::format("{:>{}} |", lc.line, gutter), "1;34") + " " + expandTabs(fixed) + "\n";
    uint32_t startCol = displayColumn(fixed, begin);
    uint32_t width =
        std::max<uint32_t>(1, displayColumn(fixed, begin + fix.replacement.size()) - startCol);
    if (fix.replacement.empty())
      continue; // a deletion: the fixed line says it all
    const char *mark = end == begin ? "+" : "~";
    std::string marks;
    for (uint32_t k = 0; k < width; ++k)
      marks += mark;
    out += bar() + " " + std::string(startCol, ' ') + c.paint(marks, "1;32") + "\n";
  }
  return out;
}

std::string renderJson(const Diagnostic &diag, const source::SourceManager &sources) {
  auto span = [&](source::SourceRange r) {
    const source::SourceFile &f = sources.file(r.file);
    source::LineColumn b = f.lineColumn(r.begin), e = f.lineColumn(r.end);
    return llvm::json::Object{{"file", f.path()},         {"byte_start", r.begin},
                              {"byte_end", r.end},        {"line_start", b.line},
                              {"column_start", b.column}, {"line_end", e.line},
                              {"column_end", e.column}};
  };
  llvm::json::Array labels;
  for (const Label &l : diag.labels) {
    if (!l.range.valid())
      continue;
    llvm::json::Object o = span(l.range);
    o["label"] = l.text;
    o["is_primary"] = l.primary;
    labels.push_back(std::move(o));
  }
  llvm::json::Array helps;
  for (const Help &h : diag.helps) {
    llvm::json::Array fixits;
    for (const FixIt &f : h.fixits) {
      if (!f.range.valid())
        continue;
      llvm::json::Object o = span(f.range);
      o["replacement"] = f.replacement;
      fixits.push_back(std::move(o));
    }
    helps.push_back(llvm::json::Object{{"message", h.text}, {"fixits", std::move(fixits)}});
  }
  llvm::json::Array notes;
  for (const std::string &n : diag.notes)
    notes.push_back(n);
  llvm::json::Object obj{{"code", diag.code()},
                         {"severity", severityName(diag.severity)},
                         {"message", diag.message},
                         {"spans", std::move(labels)},
                         {"notes", std::move(notes)},
                         {"helps", std::move(helps)},
                         {"rendered", renderText(diag, sources)}};
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(std::move(obj));
  return os.str();
}

void printDiagnostics(const DiagnosticEngine &engine, std::ostream &out, bool json,
                      const RenderOptions &options) {
  for (const Diagnostic &d : engine.sorted()) {
    if (json)
      out << renderJson(d, engine.sources()) << "\n";
    else
      out << renderText(d, engine.sources(), options) << "\n";
  }
  if (engine.suppressedWarnings() && !json)
    out << fmt::format("note: {} more warning(s) not shown\n\n", engine.suppressedWarnings());
}

} // namespace mlpc::diag
