// The assignability rules between types, schemas and artifact types.
#include "frontend/sema/Types.h"

#include <gtest/gtest.h>

using namespace mlpc::sema;
using P = Assignability::Problem;

namespace {

class TypesTest : public ::testing::Test {
protected:
  TypeContext t;

  const Schema *schema(std::vector<Column> columns) {
    Schema *s = t.newSchema();
    s->name = "S";
    s->columns = std::move(columns);
    return s;
  }
  const Type *dataset(const Schema *s) { return t.artifact(t.builtinArtifact("Dataset"), s); }
};

TEST_F(TypesTest, ScalarsConvertOnlyIntToFloat) {
  EXPECT_TRUE(checkAssignable(t.intType(), t.floatType()).ok());
  EXPECT_EQ(checkAssignable(t.floatType(), t.intType()).problem, P::Mismatch);
  EXPECT_EQ(checkAssignable(t.stringType(), t.intType()).problem, P::Mismatch);
  EXPECT_EQ(checkAssignable(t.boolType(), t.stringType()).problem, P::Mismatch);
}

TEST_F(TypesTest, OptionalRules) {
  EXPECT_TRUE(checkAssignable(t.intType(), t.optional(t.intType())).ok());
  EXPECT_TRUE(checkAssignable(t.noneType(), t.optional(t.intType())).ok());
  EXPECT_EQ(checkAssignable(t.optional(t.intType()), t.intType()).problem, P::OptionalToRequired);
  EXPECT_EQ(checkAssignable(t.noneType(), t.intType()).problem, P::Mismatch);
  EXPECT_EQ(t.optional(t.optional(t.intType())), t.optional(t.intType())) << "T?? is T?";
}

TEST_F(TypesTest, ContainersAreChecked) {
  EXPECT_TRUE(checkAssignable(t.list(t.intType()), t.list(t.floatType())).ok());
  EXPECT_FALSE(checkAssignable(t.list(t.stringType()), t.list(t.intType())).ok());
  EXPECT_FALSE(checkAssignable(t.map(t.intType()), t.list(t.intType())).ok());
  EXPECT_EQ(t.list(t.intType()), t.list(t.intType())) << "types are interned";
}

TEST_F(TypesTest, ErrorTypeIsCompatibleWithEverything) {
  EXPECT_TRUE(checkAssignable(t.error(), t.intType()).ok());
  EXPECT_TRUE(checkAssignable(t.stringType(), t.error()).ok());
  EXPECT_EQ(t.list(t.error()), t.error());
}

TEST_F(TypesTest, ArtifactSubtypesAreAccepted) {
  const Type *examples = t.artifact(t.builtinArtifact("Examples"), t.anySchema());
  const Type *model = t.artifact(t.builtinArtifact("Model"));
  const Type *artifact = t.artifact(t.builtinArtifact("Artifact"));
  EXPECT_TRUE(checkAssignable(examples, dataset(t.anySchema())).ok()) << "Examples is a Dataset";
  EXPECT_TRUE(checkAssignable(model, artifact).ok());
  EXPECT_FALSE(checkAssignable(model, dataset(t.anySchema())).ok());
  EXPECT_FALSE(checkAssignable(artifact, model).ok()) << "a base is not a subtype";
  EXPECT_FALSE(checkAssignable(t.stringType(), model).ok());
}

TEST_F(TypesTest, SchemaSubsetRule) {
  const Schema *have =
      schema({{"a", TypeKind::Int}, {"b", TypeKind::String}, {"c", TypeKind::Float, true}});
  EXPECT_TRUE(checkAssignable(dataset(have), dataset(schema({{"a", TypeKind::Int}}))).ok())
      << "extra producer columns are fine";
  EXPECT_TRUE(checkAssignable(dataset(have), dataset(schema({{"a", TypeKind::Float}}))).ok())
      << "int columns widen to float";

  Assignability missing = checkAssignable(dataset(have), dataset(schema({{"z", TypeKind::Int}})));
  EXPECT_EQ(missing.problem, P::MissingColumn);
  EXPECT_EQ(missing.column, "z");

  Assignability wrong = checkAssignable(dataset(have), dataset(schema({{"b", TypeKind::Int}})));
  EXPECT_EQ(wrong.problem, P::ColumnType);
  EXPECT_EQ(wrong.column, "b");

  Assignability optional =
      checkAssignable(dataset(have), dataset(schema({{"c", TypeKind::Float}})));
  EXPECT_EQ(optional.problem, P::OptionalColumn);
  EXPECT_TRUE(checkAssignable(dataset(have), dataset(schema({{"c", TypeKind::Float, true}}))).ok());
}

TEST_F(TypesTest, AnySchemaIsNotChecked) {
  const Schema *req = schema({{"x", TypeKind::Int}});
  EXPECT_TRUE(checkAssignable(dataset(t.anySchema()), dataset(req)).ok());
  EXPECT_TRUE(checkAssignable(dataset(req), dataset(t.anySchema())).ok());
}

TEST_F(TypesTest, Spelling) {
  EXPECT_EQ(t.optional(t.list(t.map(t.intType())))->spelling(), "list<map<string, int>>?");
  EXPECT_EQ(dataset(t.anySchema())->spelling(), "Dataset<*>");
  EXPECT_EQ(t.taskFinalStatus()->spelling(), "TaskFinalStatus");
}

TEST(ArtifactTable, KfpAndTfxNames) {
  TypeContext t;
  EXPECT_EQ(t.builtinArtifact("Dataset")->kfpSchemaTitle, "system.Dataset");
  EXPECT_EQ(t.builtinArtifact("Examples")->kfpSchemaTitle, "system.Dataset");
  EXPECT_EQ(t.builtinArtifact("Examples")->tfxTypeName, "Examples");
  EXPECT_EQ(t.builtinArtifact("ModelBlessing")->tfxTypeName, "ModelBlessing");
  EXPECT_EQ(t.builtinArtifact("HTML")->kfpSchemaTitle, "system.HTML");
  EXPECT_EQ(t.builtinArtifact("NoSuchType"), nullptr);
}

} // namespace
