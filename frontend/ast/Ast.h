// The .mlp abstract syntax tree.
//
// Built from the ANTLR parse tree by parse/AstBuilder, after which the parse
// tree is dropped. Nodes own their children through unique_ptr and carry a
// source range. The checker (sema/) fills in the `Resolved` and `type` slots;
// the IR builder reads them.
#pragma once

#include "frontend/source/SourceManager.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlpc::sema {
struct Type;
struct Symbol;
} // namespace mlpc::sema

namespace mlpc::ast {

using source::SourceRange;

struct Name {
  std::string text;
  SourceRange range;
};

struct Expr;
struct TypeExpr;
using ExprPtr = std::unique_ptr<Expr>;
using TypeExprPtr = std::unique_ptr<TypeExpr>;

struct Arg {
  std::optional<Name> name; // absent for a positional argument
  ExprPtr value;
  SourceRange range;
};

// `name: type = default`, used for schema columns, record fields, component
// and pipeline parameters and outputs.
struct Field {
  Name name;
  TypeExprPtr type;
  ExprPtr defaultValue;
  std::string doc;
  SourceRange range;
};

// `.require(columns)` after a schema in a type.
struct SchemaOp {
  Name name;
  std::vector<Arg> args;
  SourceRange range;
};

struct TypeExpr {
  enum class Kind { Named, InlineRecord, AnySchema };
  Kind kind = Kind::Named;
  SourceRange range;
  std::vector<Name> path; // Named: `io.Row` is {io, Row}
  std::vector<TypeExprPtr> args;
  std::vector<Field> fields; // InlineRecord
  std::vector<SchemaOp> ops;
  bool optional = false;
  std::string spelling() const;
};

// ---- Expressions -----------------------------------------------------------

enum class ExprKind {
  Int,
  Float,
  String,
  Bool,
  None,
  Name,
  Member,
  Index,
  Call,
  Unary,
  Binary,
  List,
  Map
};

enum class UnaryOp { Neg, Not };
enum class BinaryOp { Mul, Div, Mod, Add, Sub, Lt, Le, Gt, Ge, Eq, Ne, And, Or };
const char *spelling(BinaryOp op);
const char *spelling(UnaryOp op);

struct Expr {
  explicit Expr(ExprKind kind, SourceRange range) : kind(kind), range(range) {}
  virtual ~Expr() = default;
  const ExprKind kind;
  SourceRange range;
  // Filled in by the checker.
  const sema::Type *type = nullptr;
};

struct IntLit : Expr {
  IntLit(SourceRange r, int64_t v) : Expr(ExprKind::Int, r), value(v) {}
  int64_t value;
  // `9223372036854775808`, allowed only as the operand of `-`.
  bool isMinMagnitude = false;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Int; }
};
struct FloatLit : Expr {
  FloatLit(SourceRange r, double v) : Expr(ExprKind::Float, r), value(v) {}
  double value;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Float; }
};
struct BoolLit : Expr {
  BoolLit(SourceRange r, bool v) : Expr(ExprKind::Bool, r), value(v) {}
  bool value;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Bool; }
};
struct NoneLit : Expr {
  explicit NoneLit(SourceRange r) : Expr(ExprKind::None, r) {}
  static bool classof(const Expr *e) { return e->kind == ExprKind::None; }
};

// A string literal: literal text and `${expr}` interpolations, in order.
struct StringPart {
  std::string text; // used when expr is null
  ExprPtr expr;
};
struct StringLit : Expr {
  explicit StringLit(SourceRange r) : Expr(ExprKind::String, r) {}
  std::vector<StringPart> parts;
  bool isPlain() const { return parts.empty() || (parts.size() == 1 && !parts[0].expr); }
  std::string plainText() const { return parts.empty() ? "" : parts[0].text; }
  static bool classof(const Expr *e) { return e->kind == ExprKind::String; }
};

struct NameRef : Expr {
  NameRef(SourceRange r, std::string n) : Expr(ExprKind::Name, r), name(std::move(n)) {}
  std::string name;
  const sema::Symbol *symbol = nullptr; // filled in by the checker
  static bool classof(const Expr *e) { return e->kind == ExprKind::Name; }
};

struct MemberExpr : Expr {
  MemberExpr(SourceRange r, ExprPtr b, Name m)
      : Expr(ExprKind::Member, r), base(std::move(b)), member(std::move(m)) {}
  ExprPtr base;
  Name member;
  // When the base is a module, the checker resolves the whole expression to
  // the module's member here.
  const sema::Symbol *symbol = nullptr;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Member; }
};

struct IndexExpr : Expr {
  IndexExpr(SourceRange r, ExprPtr b, ExprPtr i)
      : Expr(ExprKind::Index, r), base(std::move(b)), index(std::move(i)) {}
  ExprPtr base, index;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Index; }
};

struct CallExpr : Expr {
  explicit CallExpr(SourceRange r) : Expr(ExprKind::Call, r) {}
  ExprPtr callee;
  std::vector<TypeExprPtr> typeArgs;
  std::vector<Arg> args;
  SourceRange argsRange; // from `(` to `)`
  static bool classof(const Expr *e) { return e->kind == ExprKind::Call; }
};

struct UnaryExpr : Expr {
  UnaryExpr(SourceRange r, UnaryOp o, ExprPtr e)
      : Expr(ExprKind::Unary, r), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Unary; }
};

struct BinaryExpr : Expr {
  BinaryExpr(SourceRange r, BinaryOp o, ExprPtr l, ExprPtr rr, SourceRange opRange)
      : Expr(ExprKind::Binary, r), op(o), lhs(std::move(l)), rhs(std::move(rr)), opRange(opRange) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
  SourceRange opRange;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Binary; }
};

struct ListExpr : Expr {
  explicit ListExpr(SourceRange r) : Expr(ExprKind::List, r) {}
  std::vector<ExprPtr> elements;
  static bool classof(const Expr *e) { return e->kind == ExprKind::List; }
};

struct MapEntry {
  std::string key;
  SourceRange keyRange;
  ExprPtr value;
  bool optional = false; // `{score: float?}` in a schema's `.add(...)`
};
struct MapExpr : Expr {
  explicit MapExpr(SourceRange r) : Expr(ExprKind::Map, r) {}
  std::vector<MapEntry> entries;
  static bool classof(const Expr *e) { return e->kind == ExprKind::Map; }
};

// ---- Properties: component bodies and task options --------------------------

struct Property {
  Name name;
  ExprPtr value;               // `name: value`
  std::vector<Property> block; // `name { ... }`
  bool isBlock = false;
  std::string doc;
  SourceRange range;
};

// ---- Statements ------------------------------------------------------------

enum class StmtKind { Bind, Expr, If, For, Finally, Return };

struct Stmt {
  Stmt(StmtKind kind, SourceRange range) : kind(kind), range(range) {}
  virtual ~Stmt() = default;
  const StmtKind kind;
  SourceRange range;
};
using StmtPtr = std::unique_ptr<Stmt>;

struct Block {
  std::vector<StmtPtr> stmts;
  SourceRange range;
};

struct TaskOptions {
  bool present = false;
  std::vector<Property> properties;
  SourceRange range;
};

struct BindStmt : Stmt {
  explicit BindStmt(SourceRange r) : Stmt(StmtKind::Bind, r) {}
  Name name;
  ExprPtr value;
  TaskOptions options;
  const sema::Symbol *symbol = nullptr; // the binding, filled in by the checker
  static bool classof(const Stmt *s) { return s->kind == StmtKind::Bind; }
};

struct ExprStmt : Stmt {
  explicit ExprStmt(SourceRange r) : Stmt(StmtKind::Expr, r) {}
  ExprPtr value;
  TaskOptions options;
  const sema::Symbol *symbol = nullptr; // the anonymous task, filled in by the checker
  static bool classof(const Stmt *s) { return s->kind == StmtKind::Expr; }
};

struct IfBranch {
  ExprPtr condition; // null for the final `else`
  Block body;
  SourceRange keywordRange;
};
struct IfStmt : Stmt {
  explicit IfStmt(SourceRange r) : Stmt(StmtKind::If, r) {}
  std::vector<IfBranch> branches;
  static bool classof(const Stmt *s) { return s->kind == StmtKind::If; }
};

struct ForStmt : Stmt {
  explicit ForStmt(SourceRange r) : Stmt(StmtKind::For, r) {}
  Name variable;
  ExprPtr iterable;
  ExprPtr parallelism; // may be null
  Block body;
  const sema::Symbol *symbol = nullptr; // the loop variable
  static bool classof(const Stmt *s) { return s->kind == StmtKind::For; }
};

struct FinallyStmt : Stmt {
  explicit FinallyStmt(SourceRange r) : Stmt(StmtKind::Finally, r) {}
  std::optional<Name> status;
  Block body;
  SourceRange keywordRange;
  const sema::Symbol *symbol = nullptr; // the status variable
  static bool classof(const Stmt *s) { return s->kind == StmtKind::Finally; }
};

struct ReturnStmt : Stmt {
  explicit ReturnStmt(SourceRange r) : Stmt(StmtKind::Return, r) {}
  std::vector<Arg> values;
  static bool classof(const Stmt *s) { return s->kind == StmtKind::Return; }
};

// ---- Declarations ----------------------------------------------------------

struct Annotation {
  Name name;
  std::vector<Arg> args;
  SourceRange range;
};

struct Import {
  std::vector<Name> modulePath; // `std.io`; empty for a file import
  std::string filePath;         // `"lib/common.mlp"`
  std::optional<Name> alias;
  SourceRange range;
  SourceRange targetRange;
  bool isFile() const { return modulePath.empty(); }
  std::string spelling() const;
  std::string aliasName() const;
};

enum class DeclKind { Schema, Record, Artifact, Component, Pipeline };

struct Decl {
  Decl(DeclKind kind, SourceRange range) : kind(kind), range(range) {}
  virtual ~Decl() = default;
  const DeclKind kind;
  SourceRange range;
  Name name;
  std::string doc;
  std::vector<Annotation> annotations;
};
using DeclPtr = std::unique_ptr<Decl>;

struct SchemaDecl : Decl {
  explicit SchemaDecl(SourceRange r) : Decl(DeclKind::Schema, r) {}
  std::vector<Field> columns;
  static bool classof(const Decl *d) { return d->kind == DeclKind::Schema; }
};

struct RecordDecl : Decl {
  explicit RecordDecl(SourceRange r) : Decl(DeclKind::Record, r) {}
  std::vector<Field> fields;
  static bool classof(const Decl *d) { return d->kind == DeclKind::Record; }
};

struct ArtifactDecl : Decl {
  explicit ArtifactDecl(SourceRange r) : Decl(DeclKind::Artifact, r) {}
  std::vector<Name> base;
  std::vector<Property> properties;
  static bool classof(const Decl *d) { return d->kind == DeclKind::Artifact; }
};

// Shared by components and pipelines: both are callable.
struct CallableDecl : Decl {
  using Decl::Decl;
  std::vector<Name> typeParams;
  std::vector<Field> params;
  std::vector<Field> outputs;
  static bool classof(const Decl *d) {
    return d->kind == DeclKind::Component || d->kind == DeclKind::Pipeline;
  }
};

struct ComponentDecl : CallableDecl {
  explicit ComponentDecl(SourceRange r) : CallableDecl(DeclKind::Component, r) {}
  std::vector<Property> properties;
  static bool classof(const Decl *d) { return d->kind == DeclKind::Component; }
};

struct PipelineDecl : CallableDecl {
  explicit PipelineDecl(SourceRange r) : CallableDecl(DeclKind::Pipeline, r) {}
  Block body;
  static bool classof(const Decl *d) { return d->kind == DeclKind::Pipeline; }
};

// One parsed .mlp file.
struct Module {
  source::FileId file = source::kNoFile;
  std::string path;       // as given or resolved
  std::string moduleName; // `std.io` for standard modules, else the path
  std::vector<Import> imports;
  std::vector<DeclPtr> decls;
};

} // namespace mlpc::ast
