// The IR builder and verifier on small programs.
#include "TestUtil.h"
#include "ir/Builder.h"
#include "ir/Verifier.h"

#include <gtest/gtest.h>

using namespace mlpc;

namespace {

std::unique_ptr<ir::Module> build(const std::string &text) {
  test::Checked c = test::check(text);
  EXPECT_TRUE(c.ok);
  for (const sema::CallableInfo &callable : c.program->callables)
    if (callable.isPipeline && callable.name == "main")
      return ir::buildModule(*c.program, callable);
  return nullptr;
}

const char *kProgram = R"(
component make(n: int) -> (out: Dataset<{a: int}>) { container { image: "i", command: [n, out.path] } }
component use(d: Dataset<{a: int}>, tag: string = "x") -> (score: float) {
  container { image: "i", command: [d.path, tag, score.path] }
}
pipeline main(n: int = 3, items: list<int> = [1, 2]) -> (best: float) {
  m = make(n: n)
  for i in items parallel 2 { u = use(d: m.out, tag: "run-${i}") }
  if n > 2 { v = use(d: m.out) } else { v = use(d: m.out, tag: "small") }
  finally (status) { use(d: m.out, tag: status.state) }
  return (best: v.score)
}
)";

TEST(IrBuilder, StructureOfAPipeline) {
  auto m = build(kProgram);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ir::verifyModule(*m), std::vector<std::string>{});
  const ir::Pipeline &p = m->pipelines().at("main");
  ASSERT_EQ(p.body().nodes_size(), 1);
  ASSERT_TRUE(p.body().nodes(0).has_exit_handler()) << "finally wraps the whole body";
  const ir::ExitHandler &eh = p.body().nodes(0).exit_handler();
  ASSERT_EQ(eh.body().nodes_size(), 3);
  EXPECT_EQ(eh.body().nodes(0).task().name(), "m");
  const ir::Loop &loop = eh.body().nodes(1).loop();
  EXPECT_EQ(loop.parallelism(), 2);
  EXPECT_EQ(loop.items().ref().pipeline_input(), "items");
  const ir::Binding &tag = loop.body().nodes(0).task().inputs().at("tag");
  ASSERT_TRUE(tag.expr().has_concat());
  EXPECT_EQ(tag.expr().concat().parts(1).ref().loop_item(), loop.id());
  const ir::Condition &cond = eh.body().nodes(2).condition();
  ASSERT_EQ(cond.branches_size(), 2);
  EXPECT_EQ(cond.branches(1).body().nodes(0).task().name(), "v-2") << "names are unique";
  ASSERT_EQ(p.outputs_size(), 1);
  EXPECT_EQ(p.outputs(0).value().one_of().alternatives_size(), 2);
  const ir::Binding &statusTag = eh.exit().nodes(0).task().inputs().at("tag");
  EXPECT_TRUE(statusTag.expr().ref().final_status());
  EXPECT_EQ(statusTag.expr().ref().field_path(0), "state");
}

TEST(IrBuilder, ContainerPlaceholders) {
  auto m = build(kProgram);
  ASSERT_NE(m, nullptr);
  const ir::ContainerImpl &c = m->components().at("use").container();
  ASSERT_EQ(c.command_size(), 3);
  EXPECT_EQ(c.command(0).input_path(), "d");
  EXPECT_EQ(c.command(1).input_value(), "tag");
  EXPECT_EQ(c.command(2).output_path(), "score");
}

TEST(IrVerifier, CatchesBrokenReferences) {
  auto m = build(kProgram);
  ASSERT_NE(m, nullptr);
  ir::Pipeline &p = (*m->mutable_pipelines())["main"];
  ir::Task *t = p.mutable_body()
                    ->mutable_nodes(0)
                    ->mutable_exit_handler()
                    ->mutable_body()
                    ->mutable_nodes(0)
                    ->mutable_task();
  (*t->mutable_inputs())["n"].mutable_expr()->mutable_ref()->set_pipeline_input("nope");
  t->add_after("ghost");
  std::vector<std::string> errors = ir::verifyModule(*m);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("unknown pipeline input `nope`"), std::string::npos);
  EXPECT_NE(errors[1].find("unknown task `ghost`"), std::string::npos);
}

TEST(IrVerifier, CatchesCycles) {
  auto m = build(kProgram);
  ASSERT_NE(m, nullptr);
  ir::Task *t = (*m->mutable_pipelines())["main"]
                    .mutable_body()
                    ->mutable_nodes(0)
                    ->mutable_exit_handler()
                    ->mutable_body()
                    ->mutable_nodes(0)
                    ->mutable_task();
  t->add_after("u"); // m after u, and u reads m
  std::vector<std::string> errors = ir::verifyModule(*m);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("cycle"), std::string::npos);
}

TEST(Duration, Units) {
  EXPECT_DOUBLE_EQ(ir::durationSeconds("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(ir::durationSeconds("30s"), 30);
  EXPECT_DOUBLE_EQ(ir::durationSeconds("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(ir::durationSeconds("2d"), 172800);
}

} // namespace
