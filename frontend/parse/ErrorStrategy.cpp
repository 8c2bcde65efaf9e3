#include "frontend/parse/ErrorStrategy.h"

#include "MlpParser.h"

#include <algorithm>
#include <fmt/format.h>

namespace mlpc::parse {

using grammar::MlpParser;

std::string describeTokenType(const antlr4::dfa::Vocabulary &vocab, size_t type) {
  if (type == antlr4::Token::EOF)
    return "end of file";
  switch (type) {
  case MlpParser::ID:
  case MlpParser::QUOTED_ID:
    return "identifier";
  case MlpParser::STRING:
    return "string literal";
  case MlpParser::INT:
    return "integer literal";
  case MlpParser::FLOAT:
    return "float literal";
  default:
    break;
  }
  std::string literal = vocab.getLiteralName(type); // e.g. "'import'"
  if (literal.size() >= 2 && literal.front() == '\'')
    return "`" + literal.substr(1, literal.size() - 2) + "`";
  return vocab.getSymbolicName(type);
}

std::string describeToken(const antlr4::dfa::Vocabulary &vocab, const antlr4::Token *token) {
  if (!token || token->getType() == antlr4::Token::EOF)
    return "end of file";
  std::string text = token->getText();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  switch (token->getType()) {
  case MlpParser::ID:
  case MlpParser::QUOTED_ID:
    return "identifier `" + text + "`";
  case MlpParser::STRING:
    return "string literal";
  default:
    return "`" + text + "`";
  }
}

namespace {
// What the parser was reading, for labels such as "expected `)` in parameter list".
const char *ruleWords(size_t rule) {
  switch (rule) {
  case MlpParser::RuleImportDecl:
  case MlpParser::RuleModulePath:
    return "in this import";
  case MlpParser::RuleParamList:
  case MlpParser::RuleParam:
  case MlpParser::RuleOutputs:
    return "in this parameter list";
  case MlpParser::RuleFieldList:
  case MlpParser::RuleField:
    return "in this field list";
  case MlpParser::RuleType:
  case MlpParser::RuleTypeAtom:
  case MlpParser::RuleTypeArgs:
    return "in this type";
  case MlpParser::RuleArgList:
  case MlpParser::RuleArg:
    return "in these arguments";
  case MlpParser::RuleProperty:
    return "in this property";
  case MlpParser::RuleBlock:
  case MlpParser::RuleStmt:
    return "in this statement";
  case MlpParser::RuleExpr:
  case MlpParser::RulePrimary:
    return "in this expression";
  default:
    return "";
  }
}
} // namespace

std::string MlpErrorStrategy::expectedList(antlr4::Parser *recognizer,
                                           const antlr4::misc::IntervalSet &set) {
  std::vector<std::string> names;
  for (ssize_t type : set.toList()) {
    std::string word = describeTokenType(recognizer->getVocabulary(), static_cast<size_t>(type));
    if (std::find(names.begin(), names.end(), word) == names.end())
      names.push_back(word);
  }
  if (names.empty())
    return "something else";
  if (names.size() > 6)
    return fmt::format("one of {}, ...", fmt::join(names.begin(), names.begin() + 6, ", "));
  if (names.size() == 1)
    return names[0];
  return fmt::format("one of {}", fmt::join(names, ", "));
}

void MlpErrorStrategy::report(const antlr4::Token *at, std::string message, std::string label) {
  source::SourceRange range = offsets_.range(at->getStartIndex(), at->getStopIndex());
  diags_.report(diag::DiagKind::SyntaxError, range, {std::move(message)}).label(range, label);
}

void MlpErrorStrategy::reportNoViableAlternative(antlr4::Parser *recognizer,
                                                 const antlr4::NoViableAltException &e) {
  const antlr4::Token *at = e.getOffendingToken();
  std::string where = ruleWords(recognizer->getContext()->getRuleIndex());
  report(at, "unexpected " + describeToken(recognizer->getVocabulary(), at),
         where.empty() ? "not expected here" : "not expected " + where);
}

void MlpErrorStrategy::reportInputMismatch(antlr4::Parser *recognizer,
                                           const antlr4::InputMismatchException &e) {
  const antlr4::Token *at = e.getOffendingToken();
  std::string expected = expectedList(recognizer, e.getExpectedTokens());
  report(at,
         fmt::format("expected {}, found {}", expected,
                     describeToken(recognizer->getVocabulary(), at)),
         "expected " + expected);
}

void MlpErrorStrategy::reportFailedPredicate(antlr4::Parser *recognizer,
                                             const antlr4::FailedPredicateException &e) {
  report(e.getOffendingToken(), "unexpected input", "");
}

void MlpErrorStrategy::reportUnwantedToken(antlr4::Parser *recognizer) {
  if (inErrorRecoveryMode(recognizer))
    return;
  beginErrorCondition(recognizer);
  antlr4::Token *at = recognizer->getCurrentToken();
  std::string expected = expectedList(recognizer, getExpectedTokens(recognizer));
  report(at,
         fmt::format("unexpected {}; expected {}", describeToken(recognizer->getVocabulary(), at),
                     expected),
         "remove this");
}

void MlpErrorStrategy::reportMissingToken(antlr4::Parser *recognizer) {
  if (inErrorRecoveryMode(recognizer))
    return;
  beginErrorCondition(recognizer);
  antlr4::Token *at = recognizer->getCurrentToken();
  std::string expected = expectedList(recognizer, getExpectedTokens(recognizer));
  // Point just after the previous token, where the missing one belongs.
  antlr4::Token *prev = recognizer->getTokenStream()->LT(-1);
  source::SourceRange range = prev ? offsets_.range(prev->getStopIndex() + 1, prev->getStopIndex())
                                   : offsets_.range(at->getStartIndex(), at->getStopIndex());
  diags_
      .report(diag::DiagKind::SyntaxError, range,
              {fmt::format("missing {} before {}", expected,
                           describeToken(recognizer->getVocabulary(), at))})
      .label(range, "expected " + expected + " here");
}

} // namespace mlpc::parse
