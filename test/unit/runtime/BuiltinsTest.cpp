// Every op the compiler accepts in `builtin:` is one the runtime runs, and
// the runtime runs nothing the compiler would reject.
#include "runtime/builtins/Builtins.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

const std::vector<std::string> kCompilerOps = {
#define BUILTIN_OP(Name) Name,
#include "frontend/sema/BuiltinOps.def"
};

TEST(Builtins, EveryCompilerOpRunsNatively) {
  for (const std::string &op : kCompilerOps)
    EXPECT_TRUE(mlpc::runtime::builtins::known(op)) << op << " has no runtime implementation";
}

TEST(Builtins, TheRuntimeRunsOnlyCompilerOps) {
  for (const std::string &op : mlpc::runtime::builtins::knownOps())
    EXPECT_NE(std::find(kCompilerOps.begin(), kCompilerOps.end(), op), kCompilerOps.end())
        << op << " is not in frontend/sema/BuiltinOps.def";
}

TEST(Builtins, UnknownOpIsNotKnown) {
  EXPECT_FALSE(mlpc::runtime::builtins::known("transform.nothing"));
}

} // namespace
