// ANTLR error reporting phrased the mlpc way ("expected `)`, found `;`"),
// recorded in the DiagnosticEngine instead of printed, so one run reports
// every syntax error with a location.
#pragma once

#include "frontend/diag/Diagnostic.h"
#include "frontend/parse/OffsetMap.h"

#include <antlr4-runtime.h>

namespace mlpc::parse {

// Words for tokens in messages: `)`, `import`, "identifier", "end of file".
std::string describeTokenType(const antlr4::dfa::Vocabulary &vocab, size_t type);
std::string describeToken(const antlr4::dfa::Vocabulary &vocab, const antlr4::Token *token);

class MlpErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  MlpErrorStrategy(diag::DiagnosticEngine &diags, const OffsetMap &offsets)
      : diags_(diags), offsets_(offsets) {}

protected:
  void reportNoViableAlternative(antlr4::Parser *recognizer,
                                 const antlr4::NoViableAltException &e) override;
  void reportInputMismatch(antlr4::Parser *recognizer,
                           const antlr4::InputMismatchException &e) override;
  void reportFailedPredicate(antlr4::Parser *recognizer,
                             const antlr4::FailedPredicateException &e) override;
  void reportUnwantedToken(antlr4::Parser *recognizer) override;
  void reportMissingToken(antlr4::Parser *recognizer) override;

private:
  std::string expectedList(antlr4::Parser *recognizer, const antlr4::misc::IntervalSet &set);
  void report(const antlr4::Token *at, std::string message, std::string label);

  diag::DiagnosticEngine &diags_;
  const OffsetMap &offsets_;
};

} // namespace mlpc::parse
