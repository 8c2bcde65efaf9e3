#include "frontend/sema/Types.h"

namespace mlpc::sema {

const char *scalarName(TypeKind kind) {
  switch (kind) {
  case TypeKind::Int:
    return "int";
  case TypeKind::Float:
    return "float";
  case TypeKind::String:
    return "string";
  case TypeKind::Bool:
    return "bool";
  case TypeKind::None:
    return "none";
  default:
    return "<error>";
  }
}

const Column *Schema::find(const std::string &column) const {
  for (const Column &c : columns)
    if (c.name == column)
      return &c;
  return nullptr;
}

std::string Schema::spelling() const {
  switch (kind) {
  case Kind::Any:
    return "*";
  case Kind::Param:
    return ops.empty() ? paramName : paramName + ".(derived)";
  case Kind::Concrete:
    break;
  }
  if (!name.empty())
    return name;
  std::string s = "{";
  for (size_t i = 0; i < columns.size(); ++i) {
    s += (i ? ", " : "") + columns[i].name + ": " + scalarName(columns[i].type);
    if (columns[i].optional)
      s += "?";
    if (i == 4 && columns.size() > 6) {
      s += ", ...";
      break;
    }
  }
  return s + "}";
}

bool ArtifactTypeInfo::isA(const ArtifactTypeInfo *other) const {
  for (const ArtifactTypeInfo *t = this; t; t = t->base)
    if (t == other)
      return true;
  return false;
}

const RecordField *RecordInfo::find(const std::string &field) const {
  for (const RecordField &f : fields)
    if (f.name == field)
      return &f;
  return nullptr;
}

std::string Type::spelling() const {
  switch (kind) {
  case TypeKind::Error:
    return "<error>";
  case TypeKind::List:
    return "list<" + elem->spelling() + ">";
  case TypeKind::Map:
    return "map<string, " + elem->spelling() + ">";
  case TypeKind::Record:
    return record->name;
  case TypeKind::Optional:
    return elem->spelling() + "?";
  case TypeKind::Column:
    return "column<" + schema->spelling() + ">";
  case TypeKind::Artifact:
    if (artifact->tabular && schema)
      return artifact->name + "<" + schema->spelling() + ">";
    return artifact->name;
  default:
    return scalarName(kind);
  }
}

TypeContext::TypeContext() {
  anySchema_.kind = Schema::Kind::Any;
  std::map<std::string, ArtifactTypeInfo *> byName;
#define ARTIFACT(Name, Base, KfpTitle, TfxName, Tabular)                                           \
  {                                                                                                \
    ArtifactTypeInfo *a = newArtifactType();                                                       \
    a->name = #Name;                                                                               \
    a->base = byName[#Base];                                                                       \
    a->kfpSchemaTitle = KfpTitle;                                                                  \
    a->tfxTypeName = TfxName;                                                                      \
    a->tabular = Tabular;                                                                          \
    byName[#Name] = a;                                                                             \
    builtins_.push_back(a);                                                                        \
    builtinByName_[#Name] = a;                                                                     \
  }
#include "frontend/sema/ArtifactTypes.def"

  // KFP's PipelineTaskFinalStatus, as seen by a `finally (status)` block.
  RecordInfo *status = newRecord();
  status->name = "TaskFinalStatus";
  for (auto [name, type] : {std::pair{"state", &string_},
                            {"pipeline_job_resource_name", &string_},
                            {"pipeline_task_name", &string_},
                            {"error_code", &int_},
                            {"error_message", &string_}})
    status->fields.push_back({name, type, false, "", {}});
  statusType_ = record(status);

  // `run` in a pipeline body; every engine fills these when the task starts.
  RecordInfo *run = newRecord();
  run->name = "RunInfo";
  for (const char *name : {"job_name", "job_id", "job_resource_name", "task_name", "task_id",
                           "root", "create_time", "schedule_time"})
    run->fields.push_back({name, &string_, false, "", {}});
  runInfoType_ = record(run);
}

const Type *TypeContext::primitive(TypeKind kind) const {
  switch (kind) {
  case TypeKind::Int:
    return &int_;
  case TypeKind::Float:
    return &float_;
  case TypeKind::String:
    return &string_;
  case TypeKind::Bool:
    return &bool_;
  case TypeKind::None:
    return &none_;
  default:
    return &error_;
  }
}

const Type *TypeContext::intern(TypeKind kind, const Type *elem, const void *other, Type proto) {
  auto key = std::make_tuple(static_cast<int>(kind), static_cast<const void *>(elem), other);
  auto it = interned_.find(key);
  if (it != interned_.end())
    return it->second;
  types_.push_back(proto);
  return interned_[key] = &types_.back();
}

const Type *TypeContext::list(const Type *elem) {
  if (elem->isError())
    return elem;
  return intern(TypeKind::List, elem, nullptr, Type{TypeKind::List, elem});
}
const Type *TypeContext::map(const Type *value) {
  if (value->isError())
    return value;
  return intern(TypeKind::Map, value, nullptr, Type{TypeKind::Map, value});
}
const Type *TypeContext::optional(const Type *inner) {
  if (inner->isError() || inner->kind == TypeKind::Optional || inner->kind == TypeKind::None)
    return inner;
  return intern(TypeKind::Optional, inner, nullptr, Type{TypeKind::Optional, inner});
}
const Type *TypeContext::record(const RecordInfo *rec) {
  Type t{TypeKind::Record};
  t.record = rec;
  return intern(TypeKind::Record, nullptr, rec, t);
}
const Type *TypeContext::artifact(const ArtifactTypeInfo *info, const Schema *schema) {
  Type t{TypeKind::Artifact};
  t.artifact = info;
  t.schema = schema;
  // Keyed by both: the same artifact type with two schemas is two types.
  return intern(TypeKind::Artifact, reinterpret_cast<const Type *>(schema), info, t);
}
const Type *TypeContext::column(const Schema *schema) {
  Type t{TypeKind::Column};
  t.schema = schema;
  return intern(TypeKind::Column, nullptr, schema, t);
}

Schema *TypeContext::newSchema() { return &schemas_.emplace_back(); }
RecordInfo *TypeContext::newRecord() { return &records_.emplace_back(); }
ArtifactTypeInfo *TypeContext::newArtifactType() { return &artifacts_.emplace_back(); }

const ArtifactTypeInfo *TypeContext::builtinArtifact(const std::string &name) const {
  auto it = builtinByName_.find(name);
  return it == builtinByName_.end() ? nullptr : it->second;
}

bool scalarCastable(TypeKind from, TypeKind to) {
  return from == to || (from == TypeKind::Int && to == TypeKind::Float);
}

namespace {
Assignability schemaAssignable(const Schema *from, const Schema *to) {
  Assignability result;
  // A schemaless dataset was written `<*>` on purpose and warned about there.
  if (!from || !to || from->kind != Schema::Kind::Concrete || to->kind != Schema::Kind::Concrete)
    return result;
  for (const Column &need : to->columns) {
    const Column *have = from->find(need.name);
    result.column = need.name;
    result.toColumn = &need;
    result.fromColumn = have;
    if (!have) {
      result.problem = Assignability::Problem::MissingColumn;
      return result;
    }
    if (!scalarCastable(have->type, need.type)) {
      result.problem = Assignability::Problem::ColumnType;
      return result;
    }
    if (have->optional && !need.optional) {
      result.problem = Assignability::Problem::OptionalColumn;
      return result;
    }
  }
  return Assignability{};
}
} // namespace

Assignability checkAssignable(const Type *from, const Type *to) {
  using P = Assignability::Problem;
  Assignability ok;
  Assignability mismatch;
  mismatch.problem = P::Mismatch;
  if (!from || !to || from->isError() || to->isError())
    return ok;
  if (to->kind == TypeKind::Optional) {
    if (from->kind == TypeKind::None)
      return ok;
    return checkAssignable(from->unwrapped(), to->elem);
  }
  if (from->kind == TypeKind::Optional) {
    Assignability inner = checkAssignable(from->elem, to);
    if (inner.ok())
      inner.problem = P::OptionalToRequired;
    return inner;
  }
  if (from->kind == TypeKind::None)
    return mismatch;
  switch (to->kind) {
  case TypeKind::Int:
  case TypeKind::Float:
  case TypeKind::String:
  case TypeKind::Bool:
    return scalarCastable(from->kind, to->kind) ? ok : mismatch;
  case TypeKind::List:
  case TypeKind::Map:
    if (from->kind != to->kind)
      return mismatch;
    {
      Assignability inner = checkAssignable(from->elem, to->elem);
      return inner.problem == P::None ? ok : mismatch;
    }
  case TypeKind::Record:
    return from->kind == TypeKind::Record && from->record == to->record ? ok : mismatch;
  case TypeKind::Column:
    return from->kind == TypeKind::Column ? ok : mismatch;
  case TypeKind::Artifact:
    if (from->kind != TypeKind::Artifact || !from->artifact->isA(to->artifact))
      return mismatch;
    return schemaAssignable(from->schema, to->schema);
  default:
    return from->kind == to->kind ? ok : mismatch;
  }
}

} // namespace mlpc::sema
