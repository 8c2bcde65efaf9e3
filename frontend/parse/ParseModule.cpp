#include "frontend/parse/ParseModule.h"

#include "frontend/parse/AstBuilder.h"
#include "frontend/parse/ConcreteTree.h"
#include "frontend/parse/ErrorStrategy.h"
#include "frontend/parse/OffsetMap.h"

#include "MlpLexer.h"
#include "MlpParser.h"

#include <algorithm>
#include <fmt/format.h>

namespace mlpc::parse {

using grammar::MlpLexer;
using grammar::MlpParser;

namespace {

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
size_t findInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size())
      return i;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80)
        return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return i;
    i += len;
  }
  return std::string_view::npos;
}

// Reports lexical problems carried by tokens and checks nesting depth.
// Returns false when the input must not be parsed (too deep for recursion).
bool checkTokens(antlr4::CommonTokenStream &tokens, const OffsetMap &offsets,
                 diag::DiagnosticEngine &diags) {
  uint32_t depth = 0, angleDepth = 0, unaryRun = 0;
  for (antlr4::Token *t : tokens.getTokens()) {
    source::SourceRange range = offsets.range(t->getStartIndex(), t->getStopIndex());
    switch (t->getType()) {
    case MlpLexer::BAD_CHAR: {
      std::string text = t->getText();
      std::string shown = text == std::string(1, '\0') ? "NUL (\\0)"
                          : static_cast<unsigned char>(text[0]) < 0x20
                              ? fmt::format("U+{:04X}", static_cast<int>(text[0]))
                              : "`" + text + "`";
      diags.report(diag::DiagKind::InvalidCharacter, range, {shown}).label(range, "not valid here");
      // Reported once here; the parser never sees it.
      static_cast<antlr4::CommonToken *>(t)->setChannel(antlr4::Token::HIDDEN_CHANNEL);
      break;
    }
    case MlpLexer::STRING:
    case MlpLexer::UNTERMINATED_STRING:
      // A NUL cannot be passed in a command line or stored in most systems.
      if (size_t nul = t->getText().find('\0'); nul != std::string::npos) {
        source::SourceRange at{range.file, range.begin + uint32_t(nul),
                               range.begin + uint32_t(nul) + 1};
        diags.report(diag::DiagKind::InvalidCharacter, at, {"NUL (\\0)"})
            .label(at, "not valid in a string")
            .help("write `\\0` if you mean a NUL character");
      }
      if (t->getType() == MlpLexer::STRING)
        break;
      diags.report(diag::DiagKind::UnterminatedString, range)
          .label(range, "this string has no closing `\"`")
          .help("strings end on the line they start; add `\"` at the end");
      // Parse it as the string it was meant to be, so nothing else cascades.
      static_cast<antlr4::CommonToken *>(t)->setType(MlpLexer::STRING);
      break;
    case MlpLexer::UNTERMINATED_COMMENT:
      diags.report(diag::DiagKind::UnterminatedComment, {range.file, range.begin, range.begin + 2})
          .label({range.file, range.begin, range.begin + 2}, "comment starts here")
          .help("close the comment with `*/`");
      static_cast<antlr4::CommonToken *>(t)->setChannel(MlpLexer::COMMENTS);
      break;
    case MlpLexer::LPAREN:
    case MlpLexer::LBRACE:
    case MlpLexer::LBRACK:
      if (++depth > kMaxNesting) {
        diags.report(diag::DiagKind::NestingTooDeep, range, {std::to_string(kMaxNesting)})
            .label(range, "too deep here")
            .help("split the expression or declaration into named parts");
        return false;
      }
      break;
    case MlpLexer::RPAREN:
    case MlpLexer::RBRACE:
    case MlpLexer::RBRACK:
      if (depth)
        --depth;
      break;
    // `<` is both a comparison and a type-argument bracket; only a run of
    // them with no statement boundary in between counts as nesting.
    case MlpLexer::LT:
      if (++angleDepth > kMaxNesting) {
        diags.report(diag::DiagKind::NestingTooDeep, range, {std::to_string(kMaxNesting)})
            .label(range, "too deep here");
        return false;
      }
      break;
    default:
      break;
    }
    switch (t->getType()) {
    case MlpLexer::LBRACE:
    case MlpLexer::RBRACE:
    case MlpLexer::SEMI:
    case MlpLexer::ASSIGN:
    case MlpLexer::COLON:
      angleDepth = 0;
      break;
    default:
      break;
    }
    // A long run of prefix operators (`not not not ...`) nests like brackets.
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
      bool unary = t->getType() == MlpLexer::NOT || t->getType() == MlpLexer::MINUS;
      unaryRun = unary ? unaryRun + 1 : 0;
      if (unaryRun > kMaxNesting) {
        diags.report(diag::DiagKind::NestingTooDeep, range, {std::to_string(kMaxNesting)})
            .label(range, "too deep here");
        return false;
      }
    }
  }
  return true;
}

} // namespace

namespace {

// Checks what must hold before the text can even be lexed: its size and its
// encoding (ANTLR's input stream throws on invalid UTF-8).
bool checkText(source::FileId file, std::string_view text, diag::DiagnosticEngine &diags) {
  if (text.size() > kMaxSourceBytes) {
    diags.report(diag::DiagKind::FileTooLarge, {file, 0, 0},
                 {std::to_string(text.size()), std::to_string(kMaxSourceBytes)});
    return false;
  }
  size_t bad = findInvalidUtf8(text);
  if (bad != std::string_view::npos) {
    diags.report(diag::DiagKind::InvalidUtf8, {file, uint32_t(bad), uint32_t(bad + 1)})
        .label({file, uint32_t(bad), uint32_t(bad + 1)},
               fmt::format("byte 0x{:02X} starts no valid UTF-8 character",
                           static_cast<unsigned char>(text[bad])))
        .help("save the file as UTF-8");
    return false;
  }
  return true;
}

// Checks the tokens, then parses in two stages. Returns null when the text
// must not be parsed at all (the problem is reported).
MlpParser::FileContext *parseText(ParseSession &session, const OffsetMap &offsets,
                                  diag::DiagnosticEngine &diags) {
  session.tokens.fill();
  if (!checkTokens(session.tokens, offsets, diags))
    return nullptr;

  // Stage 1: SLL, bail at the first error.
  MlpParser &parser = session.parser;
  auto *interp = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  interp->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  MlpParser::FileContext *tree = nullptr;
  try {
    tree = parser.file();
  } catch (const antlr4::ParseCancellationException &) {
    tree = nullptr;
  }
  if (!tree) {
    // Stage 2: full LL with recovery and our messages.
    session.tokens.seek(0);
    parser.reset();
    interp->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<MlpErrorStrategy>(diags, offsets));
    tree = parser.file();
  }
  return tree;
}

} // namespace

std::unique_ptr<ast::Module> parseModule(source::FileId file, const source::SourceManager &sources,
                                         diag::DiagnosticEngine &diags) {
  auto module = std::make_unique<ast::Module>();
  module->file = file;
  module->path = sources.file(file).path();
  std::string_view text = sources.file(file).text();
  if (!checkText(file, text, diags))
    return module;
  OffsetMap offsets(file, text);
  ParseSession session(text);
  MlpParser::FileContext *tree = parseText(session, offsets, diags);
  if (!tree)
    return module;
  AstBuilder builder(diags, offsets, session.tokens, text);
  builder.buildModule(tree, *module);
  return module; // the session, and with it the parse tree, is dropped here
}

std::unique_ptr<ConcreteTree> parseConcrete(source::FileId file,
                                            const source::SourceManager &sources,
                                            diag::DiagnosticEngine &diags) {
  std::string_view text = sources.file(file).text();
  if (!checkText(file, text, diags))
    return nullptr;
  auto tree = std::make_unique<ConcreteTree>(text);
  unsigned errorsBefore = diags.errorCount();
  OffsetMap offsets(file, text);
  tree->file = parseText(tree->session, offsets, diags);
  if (!tree->file || diags.errorCount() != errorsBefore)
    return nullptr;
  return tree;
}

void dumpTokens(source::FileId file, const source::SourceManager &sources, std::ostream &out,
                diag::DiagnosticEngine &diags) {
  std::string_view text = sources.file(file).text();
  if (text.size() > kMaxSourceBytes || findInvalidUtf8(text) != std::string_view::npos) {
    parseModule(file, sources, diags); // reports the problem
    return;
  }
  OffsetMap offsets(file, text);
  ParseSession session(text);
  session.tokens.fill();
  const source::SourceFile &sf = sources.file(file);
  for (antlr4::Token *t : session.tokens.getTokens()) {
    if (t->getChannel() == antlr4::Token::HIDDEN_CHANNEL)
      continue;
    source::LineColumn lc = sf.lineColumn(offsets.byteOffset(t->getStartIndex()));
    std::string name =
        t->getType() == antlr4::Token::EOF
            ? "EOF"
            : std::string(session.lexer.getVocabulary().getSymbolicName(t->getType()));
    out << lc.line << ":" << lc.column << " " << name;
    if (t->getType() != antlr4::Token::EOF)
      out << " '" << t->getText() << "'";
    out << "\n";
  }
}

} // namespace mlpc::parse
