// Type rules of the checker, on small in-memory programs.
#include "TestUtil.h"

#include <gtest/gtest.h>

using mlpc::test::check;
using Codes = std::vector<std::string>;

namespace {

const char *kPrelude = R"(
schema Row { id: int, name: string, score: float? }
component produce() -> (rows: Dataset<Row>) { container { image: "i", command: [rows.path] } }
component consume(data: Dataset<{id: int, name: string}>) -> (n: int) {
  container { image: "i", command: [data.path, n.path] }
}
component want_score(data: Dataset<{score: float}>) -> (n: int) {
  container { image: "i", command: [data.path, n.path] }
}
component take_int(x: int) { container { image: "i", command: [x] } }
component require<S>(data: Dataset<S>, columns: list<column<S>>) -> (out: Dataset<S.require(columns)>) {
  builtin: "transform.drop_missing"
}
)";

TEST(Checker, SubsetOfColumnsIsAccepted) {
  auto c = check(std::string(kPrelude) + "pipeline p() { a = produce()\n consume(data: a.rows) }");
  EXPECT_TRUE(c.ok) << c.codes().size();
  EXPECT_EQ(c.codes(), Codes{});
}

TEST(Checker, OptionalColumnMustBeRequiredFirst) {
  auto bad =
      check(std::string(kPrelude) + "pipeline p() { a = produce()\n want_score(data: a.rows) }");
  EXPECT_EQ(bad.codes(), Codes{"E0405"});
  auto good = check(std::string(kPrelude) +
                    "pipeline p() { a = produce()\n b = require(a.rows, columns: [score])\n"
                    " want_score(data: b.out) }");
  EXPECT_EQ(good.codes(), Codes{}) << "S.require(columns) makes the column non-optional";
}

TEST(Checker, UnknownColumnInArgument) {
  auto c = check(std::string(kPrelude) +
                 "pipeline p() { a = produce()\n b = require(a.rows, columns: [scor])\n"
                 " consume(data: b.out) }");
  EXPECT_EQ(c.codes(), Codes{"E0305"});
  EXPECT_NE(c.diags->diagnostics()[0].helps.at(0).text.find("score"), std::string::npos);
}

TEST(Checker, OneMistakeOneError) {
  // The unknown name is reported once; its uses do not cascade.
  auto c =
      check(std::string(kPrelude) + "pipeline p() { x = nope\n take_int(x: x)\n take_int(x: x) }");
  EXPECT_EQ(c.codes(), Codes{"E0300"});
}

TEST(Checker, ArgumentsAreMatched) {
  auto c =
      check(std::string(kPrelude) +
            "pipeline p() { take_int(x: \"s\")\n take_int()\n take_int(y: 1)\n take_int(1, 2) }");
  EXPECT_EQ(c.codes(), (Codes{"E0400", "E0307", "E0307", "E0306", "E0309"}));
}

TEST(Checker, LoopOutputsAreListsOutside) {
  auto c = check(std::string(kPrelude) + R"(
component take_list(xs: list<int>) { container { image: "i", command: [xs] } }
pipeline p() {
  for i in [1, 2] { a = consume(data: produce().rows) }
}
)");
  EXPECT_FALSE(c.ok) << "a call inside an expression must be bound first";
  auto d = check(std::string(kPrelude) + R"(
component take_list(xs: list<int>) { container { image: "i", command: [xs] } }
pipeline p() {
  src = produce()
  for i in [1, 2] parallel 2 { a = consume(data: src.rows) }
  take_list(xs: a.n)
  take_int(x: a.n)
}
)");
  EXPECT_EQ(d.codes(), Codes{"E0400"}) << "a.n is list<int> after the loop";
}

TEST(Checker, BranchesGiveOneOfOrOptional) {
  std::string src = std::string(kPrelude) + R"(
pipeline p(flag: bool) {
  src = produce()
  if flag { a = consume(data: src.rows) } else { a = consume(data: src.rows) }
  if flag { b = consume(data: src.rows) }
  take_int(x: a.n)
  take_int(x: b.n)
}
)";
  auto c = check(src);
  EXPECT_EQ(c.codes(), Codes{"E0610"}) << "only `b` may be absent";
}

TEST(Checker, ConditionsAreBool) {
  auto c = check(std::string(kPrelude) + "pipeline p(n: int) { if n { take_int(x: n) } }");
  EXPECT_EQ(c.codes(), Codes{"E0406"});
}

TEST(Checker, WarningsAndWerrorShape) {
  auto c = check(std::string(kPrelude) + "pipeline p(unused: int) { x = 1 }");
  EXPECT_TRUE(c.ok) << "warnings alone do not fail";
  EXPECT_EQ(c.codes(), (Codes{"W0002", "W0001"}));
}

TEST(Checker, FinalStatusCanBePassedWhole) {
  std::string prelude = R"(
component report(status: TaskFinalStatus) { container { image: "i", command: [status] } }
)";
  auto ok = check(prelude + "pipeline p() { finally (status) { report(status: status) } }");
  EXPECT_EQ(ok.codes(), Codes{});
  auto bad = check(prelude + "pipeline p() { report(status: 3) }");
  EXPECT_EQ(bad.codes(), Codes{"E0400"});
}

TEST(Checker, RecursivePipelines) {
  auto c = check("pipeline a() { b() }\npipeline b() { a() }");
  EXPECT_EQ(c.codes(), Codes{"E0603"});
}

} // namespace
