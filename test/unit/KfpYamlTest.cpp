// YAML scalars in the KFP backend: user strings never change the document.
#include "backends/kfp/KfpBackend.h"
#include "backends/kfp/ProtoYaml.h"

#include <gtest/gtest.h>

using mlpc::kfp::sanitizeName;
using mlpc::kfp::yamlString;

TEST(KfpYaml, PlainWhenSafe) {
  EXPECT_EQ(yamlString("system.Dataset"), "system.Dataset");
  EXPECT_EQ(yamlString("2.1.0"), "2.1.0") << "not a YAML number";
  EXPECT_EQ(yamlString("exec-train-2"), "exec-train-2");
}

TEST(KfpYaml, QuotedWhenYamlWouldReadSomethingElse) {
  for (const char *s : {"true", "No", "null", "~", "1.5", "42", "-7", "1e3", ".inf", "0x1F",
                        "2026-11-26", "1:30", ""})
    EXPECT_EQ(yamlString(s).front(), '\'') << s;
  EXPECT_EQ(yamlString("a: b"), "'a: b'");
  EXPECT_EQ(yamlString("# not a comment"), "'# not a comment'");
  EXPECT_EQ(yamlString("{{$}}"), "'{{$}}'");
  EXPECT_EQ(yamlString("it's"), "'it''s'");
  EXPECT_EQ(yamlString("- item"), "'- item'");
}

TEST(KfpYaml, ControlCharactersAreEscaped) {
  EXPECT_EQ(yamlString("two\nlines"), "\"two\\nlines\"");
  EXPECT_EQ(yamlString("tab\there \"q\" \\"), "\"tab\\there \\\"q\\\" \\\\\"");
  EXPECT_EQ(yamlString(std::string("nul\0x", 5)), "\"nul\\x00x\"");
}

TEST(KfpNames, Sanitized) {
  EXPECT_EQ(sanitizeName("Train_Model"), "train-model");
  EXPECT_EQ(sanitizeName("a__b--c"), "a-b-c");
  EXPECT_EQ(sanitizeName("_x_"), "x");
}
