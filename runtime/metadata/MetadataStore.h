// The lineage store of `mlpc run`: an SQLite database in ML Metadata's own
// schema (version 10), so that `ml-metadata` (Python), TFX and KFP tools, or
// plain SQL can read what a run did: its artifacts, executions, the events
// that connect them, and the contexts (pipeline, run, node) that group them.
//
// One MetadataStore is one connection; it is not thread-safe. Calls report
// failure by their result (false, 0, std::nullopt) and error() says why; no
// exception leaves this API. Wrap the writes of one step transition in a
// Transaction: they then commit together, and a failure leaves no trace.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mlpc::runtime::metadata {

class Connection;
class Statement;
struct NodeTable;

// The enums below carry the numbers of ml_metadata/proto/metadata_store.proto,
// which are what the database stores.
enum class PropertyType {
  Unknown = 0,
  Int = 1,
  Double = 2,
  String = 3,
  Struct = 4,
  Proto = 5,
  Boolean = 6
};
enum class TypeKind { Execution = 0, Artifact = 1, Context = 2 }; // Type.type_kind
enum class ArtifactState {
  Unknown = 0,
  Pending = 1,
  Live = 2,
  MarkedForDeletion = 3,
  Deleted = 4,
  Abandoned = 5,
  Reference = 6
};
enum class ExecutionState {
  Unknown = 0,
  New = 1,
  Running = 2,
  Complete = 3,
  Failed = 4,
  Cached = 5,
  Canceled = 6
};
enum class EventType {
  Unknown = 0,
  DeclaredOutput = 1,
  DeclaredInput = 2,
  Input = 3,
  Output = 4,
  InternalInput = 5,
  InternalOutput = 6,
  PendingOutput = 7
};

// Context type names as TFX records them (tfx/dsl/compiler/constants.py). A
// node context is named "<pipeline context name>.<node id>".
inline constexpr const char *kPipelineContextType = "pipeline";
inline constexpr const char *kPipelineRunContextType = "pipeline_run";
inline constexpr const char *kNodeContextType = "node";

// A property value; stored in int_value, double_value, string_value or
// bool_value (MLMD keeps exactly one non-NULL).
using Value = std::variant<int64_t, double, std::string, bool>;
using Properties = std::map<std::string, Value>;
using PropertyTypes = std::map<std::string, PropertyType>;

struct Type {
  int64_t id = 0;
  std::string name;
  TypeKind kind = TypeKind::Artifact;
  PropertyTypes properties;
};

// The fields artifacts, executions and contexts share. id 0: not stored yet.
// Times are milliseconds since the epoch; a put fills them in.
struct Node {
  int64_t id = 0;
  int64_t typeId = 0;
  std::string name;       // empty: NULL (unique per type when set)
  std::string externalId; // empty: NULL (unique when set)
  int64_t createTimeMs = 0;
  int64_t lastUpdateTimeMs = 0;
  Properties properties;       // declared by the type, with its types
  Properties customProperties; // anything
};

struct Artifact : Node {
  std::string uri;
  ArtifactState state = ArtifactState::Unknown;
};

struct Execution : Node {
  ExecutionState state = ExecutionState::Unknown; // Execution.last_known_state
};

struct Context : Node {}; // name is required

// One step of an Event's path: a key (an input or output name) or an index.
using PathStep = std::variant<std::string, int64_t>;

struct Event {
  int64_t id = 0;
  int64_t artifactId = 0;
  int64_t executionId = 0;
  EventType type = EventType::Unknown;
  int64_t timeMs = 0;         // 0 on put: now
  std::vector<PathStep> path; // TFX writes {key: output name, index: i}
};

// An artifact and the event that ties it to an execution, for putExecution.
struct ArtifactAndEvent {
  Artifact artifact;
  EventType type = EventType::Unknown;
  std::vector<PathStep> path;
};

class MetadataStore {
public:
  // Opens `path`, creating the database with MLMD's schema if it is new. An
  // existing one must hold MLMD schema version 10. The file is put in WAL
  // mode and waits for other writers (another run on the same root).
  static std::unique_ptr<MetadataStore> open(const std::string &path, std::string &error);
  ~MetadataStore();

  const std::string &error() const { return error_; }

  // Types are found by name and kind, and created when missing; properties
  // missing from an existing type are added. Returns the id, 0 on failure.
  int64_t putArtifactType(const std::string &name, const PropertyTypes &properties = {});
  int64_t putExecutionType(const std::string &name, const PropertyTypes &properties = {});
  int64_t putContextType(const std::string &name, const PropertyTypes &properties = {});
  std::optional<Type> getType(int64_t id);
  std::optional<Type> getType(TypeKind kind, const std::string &name);

  // Inserts (id 0) or updates (id set) one node with its properties, and sets
  // its id and times. A context whose type and name exist is updated in place.
  // An update that changes nothing writes nothing and keeps the stored times.
  bool putArtifact(Artifact &artifact);
  bool putExecution(Execution &execution);
  bool putContext(Context &context);

  // MLMD's PutExecution: in one transaction, stores the execution and the
  // artifacts, inserts one event per artifact (unless its type is Unknown),
  // and ties the execution and every artifact to the contexts.
  bool putExecution(Execution &execution, std::vector<ArtifactAndEvent> &artifacts,
                    const std::vector<int64_t> &contextIds);

  bool putEvent(Event &event);
  bool putAttribution(int64_t contextId, int64_t artifactId);  // idempotent
  bool putAssociation(int64_t contextId, int64_t executionId); // idempotent
  bool putParentContext(int64_t parentId, int64_t childId);    // idempotent

  // Gets: nullopt when missing or on failure (error() tells which).
  std::optional<Artifact> getArtifact(int64_t id);
  std::optional<Execution> getExecution(int64_t id);
  std::optional<Context> getContext(int64_t id);
  std::optional<Context> getContext(int64_t typeId, const std::string &name);

  // Lists, in id order; false on failure.
  bool getArtifactsByType(int64_t typeId, std::vector<Artifact> &out);
  bool getArtifactsByUri(const std::string &uri, std::vector<Artifact> &out);
  bool getContextsByType(int64_t typeId, std::vector<Context> &out);
  bool getArtifactsByContext(int64_t contextId, std::vector<Artifact> &out);
  bool getExecutionsByContext(int64_t contextId, std::vector<Execution> &out);
  bool getContextsByExecution(int64_t executionId, std::vector<Context> &out);
  bool getParentContexts(int64_t contextId, std::vector<Context> &out);
  bool getEventsByExecution(int64_t executionId, std::vector<Event> &out);
  bool getEventsByArtifact(int64_t artifactId, std::vector<Event> &out);

private:
  friend class Transaction;
  explicit MetadataStore(std::unique_ptr<Connection> db);

  bool fail(const std::string &message);  // sets error()
  bool sqlFail(const std::string &doing); // the same, with SQLite's message
  bool initSchema();
  int64_t putType(TypeKind kind, const std::string &name, const PropertyTypes &properties);
  bool exists(const NodeTable &table, int64_t id);
  bool checkNode(const NodeTable &table, const Node &node);
  Statement writeRow(const Artifact &artifact, int64_t now);
  Statement writeRow(const Execution &execution, int64_t now);
  Statement writeRow(const Context &context, int64_t now);
  template <typename T> bool putNode(T &node);
  bool writeProperties(const NodeTable &table, const Node &node);
  bool readProperties(const NodeTable &table, Node &node);
  template <typename T> bool readNodes(Statement &query, std::vector<T> &out);
  template <typename T> std::optional<T> getNode(int64_t id);
  bool getEvents(const char *column, int64_t id, std::vector<Event> &out);

  std::unique_ptr<Connection> db_;
  std::string error_;
  int depth_ = 0; // open Transactions: the outermost is BEGIN, inner ones SAVEPOINTs
};

// One atomic unit of writes. Begins on construction (BEGIN IMMEDIATE, so the
// write lock is taken up front and a busy database is waited for rather than
// failing at the first write); rolls back on destruction unless committed.
// Nested transactions become savepoints.
class Transaction {
public:
  explicit Transaction(MetadataStore &store);
  ~Transaction();
  Transaction(const Transaction &) = delete;
  Transaction &operator=(const Transaction &) = delete;

  bool ok() const { return open_; } // began; false: store.error() says why
  bool commit();
  void rollback();

private:
  MetadataStore &store_;
  int level_;
  bool open_ = false;
};

} // namespace mlpc::runtime::metadata
