// Semantic types of .mlp: parameter types, artifact types with their
// hierarchy, dataset schemas, and the assignability rules between them.
#pragma once

#include "frontend/source/SourceManager.h"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlpc::sema {

using source::SourceRange;

enum class TypeKind {
  Error, // stands for an earlier mistake: compatible with everything, never reported
  Int,
  Float,
  String,
  Bool,
  None, // the type of `none`
  List,
  Map,
  Record,
  Optional,
  Artifact,
  Column, // column<S>
};

// A column's type is a scalar, optionally missing.
struct Column {
  std::string name;
  TypeKind type = TypeKind::String;
  bool optional = false;
  std::string doc;
  SourceRange range;
};

// An operation deriving an output schema from an input one, applied when a
// generic component is called (`S.require(columns)`).
struct SchemaOp {
  enum class Kind { Require, Drop, Select, Retype, Add, OneHot };
  Kind kind;
  int paramIndex = -1;                 // the list<column<S>> parameter naming the columns
  int valuesIndex = -1;                // OneHot: the list<string> parameter naming the values
  TypeKind retypeTo = TypeKind::Float; // Retype
  std::vector<Column> added;           // Add
  SourceRange range;
};

struct Schema {
  enum class Kind { Concrete, Any, Param };
  Kind kind = Kind::Concrete;
  std::string name; // declared name, or "" for an inline schema
  std::vector<Column> columns;
  int paramIndex = -1; // Param: index into the component's type parameters
  std::string paramName;
  std::vector<SchemaOp> ops; // Param: applied after binding
  SourceRange range;

  const Column *find(const std::string &column) const;
  std::string spelling() const;
};

struct ArtifactTypeInfo {
  std::string name;
  const ArtifactTypeInfo *base = nullptr;
  std::string kfpSchemaTitle;
  std::string schemaVersion = "0.0.1";
  std::string tfxTypeName;
  bool tabular = false;
  bool builtin = true;
  std::string description;
  std::string module; // declaring module for user types
  SourceRange range;

  bool isA(const ArtifactTypeInfo *other) const;
};

struct Type;
struct RecordField {
  std::string name;
  const Type *type = nullptr;
  bool hasDefault = false;
  std::string doc;
  SourceRange range;
};

struct RecordInfo {
  std::string name;
  std::string module;
  std::vector<RecordField> fields;
  SourceRange range;
  const RecordField *find(const std::string &field) const;
};

struct Type {
  TypeKind kind = TypeKind::Error;
  const Type *elem = nullptr;                 // List, Map (value), Optional (inner)
  const RecordInfo *record = nullptr;         // Record
  const ArtifactTypeInfo *artifact = nullptr; // Artifact
  const Schema *schema = nullptr;             // tabular Artifact, Column

  bool isError() const { return kind == TypeKind::Error; }
  bool isArtifact() const { return kind == TypeKind::Artifact; }
  bool isScalar() const {
    return kind == TypeKind::Int || kind == TypeKind::Float || kind == TypeKind::String ||
           kind == TypeKind::Bool;
  }
  bool isNumeric() const { return kind == TypeKind::Int || kind == TypeKind::Float; }
  // The type without an outer `?`.
  const Type *unwrapped() const { return kind == TypeKind::Optional ? elem : this; }
  std::string spelling() const;
};

// Owns every type, schema and record of one compilation; primitive types are
// shared, composite ones are created on demand.
class TypeContext {
public:
  TypeContext();

  const Type *error() const { return &error_; }
  const Type *intType() const { return &int_; }
  const Type *floatType() const { return &float_; }
  const Type *stringType() const { return &string_; }
  const Type *boolType() const { return &bool_; }
  const Type *noneType() const { return &none_; }
  const Type *primitive(TypeKind kind) const;

  const Type *list(const Type *elem);
  const Type *map(const Type *value);
  const Type *optional(const Type *inner);
  const Type *record(const RecordInfo *record);
  const Type *artifact(const ArtifactTypeInfo *info, const Schema *schema = nullptr);
  const Type *column(const Schema *schema);

  Schema *newSchema();
  RecordInfo *newRecord();
  ArtifactTypeInfo *newArtifactType();
  const ArtifactTypeInfo *builtinArtifact(const std::string &name) const;
  const std::vector<const ArtifactTypeInfo *> &builtinArtifacts() const { return builtins_; }
  const Schema *anySchema() const { return &anySchema_; }
  // The record type of a `finally (status)` variable (KFP's PipelineTaskFinalStatus).
  const Type *taskFinalStatus() const { return statusType_; }
  // The record type of `run` in a pipeline body: the run's job and task identity.
  const Type *runInfo() const { return runInfoType_; }

private:
  Type error_{TypeKind::Error}, int_{TypeKind::Int}, float_{TypeKind::Float},
      string_{TypeKind::String}, bool_{TypeKind::Bool}, none_{TypeKind::None};
  Schema anySchema_;
  std::deque<Type> types_;
  std::deque<Schema> schemas_;
  std::deque<RecordInfo> records_;
  std::deque<ArtifactTypeInfo> artifacts_;
  std::vector<const ArtifactTypeInfo *> builtins_;
  std::map<std::string, const ArtifactTypeInfo *> builtinByName_;
  std::map<std::tuple<int, const void *, const void *>, const Type *> interned_;
  const Type *statusType_ = nullptr;
  const Type *runInfoType_ = nullptr;

  const Type *intern(TypeKind kind, const Type *elem, const void *other, Type proto);
};

const char *scalarName(TypeKind kind);

// Why a value of one type cannot go where another is expected. `ok` is true
// when it can; otherwise `problem` says which rule failed, with the column
// involved for schema problems.
struct Assignability {
  enum class Problem {
    None,
    Mismatch,
    OptionalToRequired,
    MissingColumn,
    ColumnType,
    OptionalColumn
  };
  Problem problem = Problem::None;
  std::string column;
  const Column *fromColumn = nullptr;
  const Column *toColumn = nullptr;
  bool ok() const { return problem == Problem::None; }
};

Assignability checkAssignable(const Type *from, const Type *to);
// int -> float widening, and equal scalars.
bool scalarCastable(TypeKind from, TypeKind to);

} // namespace mlpc::sema
