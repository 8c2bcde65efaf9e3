#include "runtime/metadata/MetadataStore.h"

#include "runtime/metadata/Schema.h"
#include "runtime/metadata/Sqlite.h"

#include <chrono>
#include <thread>
#include <type_traits>

namespace mlpc::runtime::metadata {

// What differs between artifacts, executions and contexts in MLMD's tables.
// Table and column names go into SQL text (they are constants); values never do.
struct NodeTable {
  TypeKind kind;
  const char *what;          // for messages
  const char *table;         // Artifact
  const char *propertyTable; // ArtifactProperty
  const char *idColumn;      // the node's column there: artifact_id
  const char *columns;       // what a get selects from `table` AS N
};

namespace {

#define MLPC_NODE_COLUMNS                                                                          \
  "N.id, N.type_id, N.name, N.external_id, N.create_time_since_epoch, "                            \
  "N.last_update_time_since_epoch"
const NodeTable kArtifacts{
    TypeKind::Artifact, "artifact",    "Artifact",
    "ArtifactProperty", "artifact_id", MLPC_NODE_COLUMNS ", N.uri, N.state",
};
const NodeTable kExecutions{
    TypeKind::Execution, "execution",    "Execution",
    "ExecutionProperty", "execution_id", MLPC_NODE_COLUMNS ", N.last_known_state",
};
const NodeTable kContexts{
    TypeKind::Context, "context", "Context", "ContextProperty", "context_id", MLPC_NODE_COLUMNS,
};
#undef MLPC_NODE_COLUMNS

template <typename T> const NodeTable &tableOf();
template <> const NodeTable &tableOf<Artifact>() { return kArtifacts; }
template <> const NodeTable &tableOf<Execution>() { return kExecutions; }
template <> const NodeTable &tableOf<Context>() { return kContexts; }

void readShared(const Statement &q, Node &n) {
  n.id = q.int64(0);
  n.typeId = q.int64(1);
  n.name = q.text(2);
  n.externalId = q.text(3);
  n.createTimeMs = q.int64(4);
  n.lastUpdateTimeMs = q.int64(5);
}
void readRow(const Statement &q, Artifact &a) {
  readShared(q, a);
  a.uri = q.text(6);
  a.state = static_cast<ArtifactState>(q.int64(7));
}
void readRow(const Statement &q, Execution &e) {
  readShared(q, e);
  e.state = static_cast<ExecutionState>(q.int64(6));
}
void readRow(const Statement &q, Context &c) { readShared(q, c); }

// The *_value column and the PropertyType of each Value alternative.
const char *const kValueColumns[] = {"int_value", "double_value", "string_value", "bool_value"};
const PropertyType kValueTypes[] = {PropertyType::Int, PropertyType::Double, PropertyType::String,
                                    PropertyType::Boolean};

void bindValue(Statement &q, int index, const Value &value) {
  std::visit(
      [&](const auto &v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, bool>)
          q.bind(index, static_cast<int64_t>(v)); // MLMD writes booleans as 0/1
        else
          q.bind(index, v);
      },
      value);
}

// Whether a put would change a stored node (times aside).
bool sameNode(const Node &a, const Node &b) {
  return a.typeId == b.typeId && a.name == b.name && a.externalId == b.externalId &&
         a.properties == b.properties && a.customProperties == b.customProperties;
}
bool same(const Artifact &a, const Artifact &b) {
  return sameNode(a, b) && a.uri == b.uri && a.state == b.state;
}
bool same(const Execution &a, const Execution &b) { return sameNode(a, b) && a.state == b.state; }
bool same(const Context &a, const Context &b) { return sameNode(a, b); }

int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string quoted(const std::string &s) { return "'" + s + "'"; }

} // namespace

MetadataStore::MetadataStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}
MetadataStore::~MetadataStore() = default;

bool MetadataStore::fail(const std::string &message) {
  error_ = message;
  return false;
}

bool MetadataStore::sqlFail(const std::string &doing) { return fail(doing + ": " + db_->error()); }

std::unique_ptr<MetadataStore> MetadataStore::open(const std::string &path, std::string &error) {
  std::unique_ptr<Connection> db = Connection::open(path, error);
  if (!db) {
    error = path + ": " + error;
    return nullptr;
  }
  std::unique_ptr<MetadataStore> store(new MetadataStore(std::move(db)));
  // WAL: readers (ml-metadata, sqlite3) never block the runtime's writes, and
  // a commit is one append. NORMAL syncs at checkpoints, not every commit: a
  // killed process loses nothing, a power cut at most the last transitions.
  // A step transition touches some 25 pages (MLMD indexes every table a few
  // times), each copied whole into the WAL: 1 KiB pages (for a new file; no
  // effect on an existing one) make a transition about a quarter cheaper.
  bool ok = store->db_->exec("PRAGMA page_size = 1024") || store->sqlFail("setting the page size");
  // Switching to WAL takes an exclusive lock, and SQLite reports a busy file
  // without waiting (no busy handler here): when two runs open a new root at
  // once, the second retries for a while.
  bool wal = false;
  for (int attempt = 0; ok && !wal && attempt < 500; ++attempt) {
    wal = store->db_->query("PRAGMA journal_mode = WAL").run();
    if (!wal)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ok = ok && (wal || store->sqlFail("switching to WAL mode"));
  // temp_store: the statement journals of nested transactions (savepoints)
  // stay in memory instead of being temporary files.
  ok = ok && (store->db_->exec("PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY") ||
              store->sqlFail("configuring SQLite"));
  if (!ok || !store->initSchema()) {
    error = path + ": " + store->error_;
    return nullptr;
  }
  return store;
}

// Creates MLMD's tables in a new database, or checks the version of an
// existing one; then adds MLMD's simple types, as MLMD does. One IMMEDIATE
// transaction, so two runs starting at once on a new root do not both create
// the schema.
bool MetadataStore::initSchema() {
  Transaction tx(*this);
  if (!tx.ok())
    return false;
  Statement tables = db_->query("SELECT name FROM sqlite_master WHERE type = 'table'");
  bool hasEnv = false, hasTables = false;
  Statement::Step s;
  while ((s = tables.step()) == Statement::Step::Row) {
    hasTables = true;
    hasEnv = hasEnv || tables.text(0) == "MLMDEnv";
  }
  if (!tables || s == Statement::Step::Error)
    return sqlFail("reading the schema");

  if (hasEnv) {
    Statement version = db_->query("SELECT schema_version FROM `MLMDEnv`");
    std::vector<int64_t> versions;
    while ((s = version.step()) == Statement::Step::Row)
      versions.push_back(version.int64(0));
    if (!version || s == Statement::Step::Error)
      return sqlFail("reading MLMDEnv");
    if (versions.size() != 1 || versions[0] != kSchemaVersion) {
      std::string found = versions.size() == 1 ? "schema version " + std::to_string(versions[0])
                                               : "no single schema version in MLMDEnv";
      return fail("ML Metadata database with " + found + ", but mlpc reads and writes version " +
                  std::to_string(kSchemaVersion) +
                  " (ml-metadata 1.11 to 1.16); migrate it with ml-metadata "
                  "(MigrationOptions.enable_upgrade_migration) or use another run root");
    }
  } else if (hasTables) {
    return fail("not an ML Metadata database: it has tables but no MLMDEnv table");
  } else {
    for (int i = 0; i < kSchemaStatementCount; ++i)
      if (!db_->exec(kSchemaStatements[i]))
        return sqlFail("creating the ML Metadata schema");
    if (!db_->query("INSERT INTO `MLMDEnv`(`schema_version`) VALUES(?1)", kSchemaVersion).run())
      return sqlFail("creating the ML Metadata schema");
  }
  for (const char *name : kSimpleArtifactTypes)
    if (!putType(TypeKind::Artifact, name, {}))
      return false;
  for (const char *name : kSimpleExecutionTypes)
    if (!putType(TypeKind::Execution, name, {}))
      return false;
  return tx.commit();
}

// ---------------------------------------------------------------------------
// Types

int64_t MetadataStore::putType(TypeKind kind, const std::string &name,
                               const PropertyTypes &properties) {
  if (name.empty()) {
    fail("a type needs a name");
    return 0;
  }
  Transaction tx(*this);
  if (!tx.ok())
    return 0;
  std::optional<Type> type = getType(kind, name);
  int64_t id = type ? type->id : 0;
  if (!type && !error_.empty())
    return 0;
  if (!id) {
    // MLMD matches types by name with a NULL version; we never set one.
    if (!db_->query("INSERT INTO `Type`(`name`, `type_kind`) VALUES(?1, ?2)", name,
                    static_cast<int>(kind))
             .run()) {
      sqlFail("storing type " + quoted(name));
      return 0;
    }
    id = db_->lastInsertId();
  }
  for (const auto &[prop, propType] : properties) {
    if (type && type->properties.count(prop)) {
      if (type->properties.at(prop) == propType)
        continue;
      fail("type " + quoted(name) + " already has a property " + quoted(prop) + " of another type");
      return 0;
    }
    if (!db_->query("INSERT INTO `TypeProperty`(`type_id`, `name`, `data_type`) "
                    "VALUES(?1, ?2, ?3)",
                    id, prop, static_cast<int>(propType))
             .run()) {
      sqlFail("storing property " + quoted(prop) + " of type " + quoted(name));
      return 0;
    }
  }
  return tx.commit() ? id : 0;
}

int64_t MetadataStore::putArtifactType(const std::string &name, const PropertyTypes &properties) {
  return putType(TypeKind::Artifact, name, properties);
}
int64_t MetadataStore::putExecutionType(const std::string &name, const PropertyTypes &properties) {
  return putType(TypeKind::Execution, name, properties);
}
int64_t MetadataStore::putContextType(const std::string &name, const PropertyTypes &properties) {
  return putType(TypeKind::Context, name, properties);
}

// Both lookups end here: `q` selects id, name, type_kind of at most one type.
static std::optional<Type> readType(Connection &db, Statement &q, std::string &error) {
  error.clear();
  Statement::Step s = q ? q.step() : Statement::Step::Error;
  if (s != Statement::Step::Row) {
    if (s == Statement::Step::Error)
      error = "reading a type: " + db.error();
    return std::nullopt;
  }
  Type type{q.int64(0), q.text(1), static_cast<TypeKind>(q.int64(2)), {}};
  Statement props =
      db.query("SELECT `name`, `data_type` FROM `TypeProperty` WHERE `type_id` = ?1", type.id);
  while ((s = props ? props.step() : Statement::Step::Error) == Statement::Step::Row)
    type.properties[props.text(0)] = static_cast<PropertyType>(props.int64(1));
  if (s == Statement::Step::Error) {
    error = "reading a type's properties: " + db.error();
    return std::nullopt;
  }
  return type;
}

std::optional<Type> MetadataStore::getType(int64_t id) {
  Statement q = db_->query("SELECT `id`, `name`, `type_kind` FROM `Type` WHERE `id` = ?1", id);
  std::optional<Type> type = readType(*db_, q, error_);
  if (!type && error_.empty())
    fail("no type with id " + std::to_string(id));
  return type;
}

// Not finding it is no error here: error() stays empty.
std::optional<Type> MetadataStore::getType(TypeKind kind, const std::string &name) {
  Statement q = db_->query("SELECT `id`, `name`, `type_kind` FROM `Type` "
                           "WHERE `name` = ?1 AND `version` IS NULL AND `type_kind` = ?2",
                           name, static_cast<int>(kind));
  return readType(*db_, q, error_);
}

// ---------------------------------------------------------------------------
// Artifacts, executions, contexts

bool MetadataStore::exists(const NodeTable &table, int64_t id) {
  Statement q = db_->query(std::string("SELECT 1 FROM `") + table.table + "` WHERE `id` = ?1", id);
  Statement::Step s = q ? q.step() : Statement::Step::Error;
  if (s == Statement::Step::Error)
    return sqlFail(std::string("looking up ") + table.what + " " + std::to_string(id));
  if (s == Statement::Step::Done)
    return fail(std::string("no ") + table.what + " with id " + std::to_string(id));
  return true;
}

// MLMD's rules: the type exists and is of the right kind; `properties` are
// declared by it with their value type (customProperties are free).
bool MetadataStore::checkNode(const NodeTable &table, const Node &node) {
  std::optional<Type> type = getType(node.typeId);
  if (!type)
    return false;
  if (type->kind != table.kind)
    return fail("type " + quoted(type->name) + " is not an " + table.what + " type");
  for (const auto &[name, value] : node.properties) {
    auto it = type->properties.find(name);
    if (it == type->properties.end())
      return fail("type " + quoted(type->name) + " declares no property " + quoted(name) +
                  " (use a custom property)");
    if (it->second != kValueTypes[value.index()])
      return fail("property " + quoted(name) + " of type " + quoted(type->name) +
                  " has a value of another type");
  }
  return true;
}

// The INSERT (id 0) or UPDATE of one node's row, RETURNING id, create_time_since_epoch.
Statement MetadataStore::writeRow(const Artifact &a, int64_t now) {
  if (a.id == 0)
    return db_->query("INSERT INTO `Artifact`(`type_id`, `uri`, `state`, `name`, `external_id`, "
                      "`create_time_since_epoch`, `last_update_time_since_epoch`) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                      "RETURNING `id`, `create_time_since_epoch`",
                      a.typeId, NullIfEmpty{a.uri}, static_cast<int>(a.state), NullIfEmpty{a.name},
                      NullIfEmpty{a.externalId}, a.createTimeMs ? a.createTimeMs : now, now);
  return db_->query("UPDATE `Artifact` SET `type_id` = ?1, `uri` = ?2, `state` = ?3, "
                    "`name` = ?4, `external_id` = ?5, `last_update_time_since_epoch` = ?6 "
                    "WHERE `id` = ?7 RETURNING `id`, `create_time_since_epoch`",
                    a.typeId, NullIfEmpty{a.uri}, static_cast<int>(a.state), NullIfEmpty{a.name},
                    NullIfEmpty{a.externalId}, now, a.id);
}

Statement MetadataStore::writeRow(const Execution &e, int64_t now) {
  if (e.id == 0)
    return db_->query("INSERT INTO `Execution`(`type_id`, `last_known_state`, `name`, "
                      "`external_id`, `create_time_since_epoch`, `last_update_time_since_epoch`) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
                      "RETURNING `id`, `create_time_since_epoch`",
                      e.typeId, static_cast<int>(e.state), NullIfEmpty{e.name},
                      NullIfEmpty{e.externalId}, e.createTimeMs ? e.createTimeMs : now, now);
  return db_->query("UPDATE `Execution` SET `type_id` = ?1, `last_known_state` = ?2, "
                    "`name` = ?3, `external_id` = ?4, `last_update_time_since_epoch` = ?5 "
                    "WHERE `id` = ?6 RETURNING `id`, `create_time_since_epoch`",
                    e.typeId, static_cast<int>(e.state), NullIfEmpty{e.name},
                    NullIfEmpty{e.externalId}, now, e.id);
}

Statement MetadataStore::writeRow(const Context &c, int64_t now) {
  if (c.id == 0)
    return db_->query("INSERT INTO `Context`(`type_id`, `name`, `external_id`, "
                      "`create_time_since_epoch`, `last_update_time_since_epoch`) "
                      "VALUES(?1, ?2, ?3, ?4, ?5) RETURNING `id`, `create_time_since_epoch`",
                      c.typeId, c.name, NullIfEmpty{c.externalId},
                      c.createTimeMs ? c.createTimeMs : now, now);
  return db_->query("UPDATE `Context` SET `type_id` = ?1, `name` = ?2, `external_id` = ?3, "
                    "`last_update_time_since_epoch` = ?4 "
                    "WHERE `id` = ?5 RETURNING `id`, `create_time_since_epoch`",
                    c.typeId, c.name, NullIfEmpty{c.externalId}, now, c.id);
}

// Puts one node. An update that changes nothing writes nothing (as in MLMD):
// a step transition re-puts its input artifacts, and every page written costs.
// The caller's node gets its id and times only once everything is stored.
template <typename T> bool MetadataStore::putNode(T &node) {
  const NodeTable &table = tableOf<T>();
  Transaction tx(*this);
  if (!tx.ok())
    return false;
  T next = node;
  if constexpr (std::is_same_v<T, Context>) {
    if (next.id == 0) { // contexts are keyed by type and name: a second put updates
      if (std::optional<Context> old = getContext(next.typeId, next.name))
        next.id = old->id;
      else if (!error_.empty())
        return false;
    }
  }
  bool sameProperties = false; // then the property rows stay as they are
  if (next.id != 0) {
    std::optional<T> stored = getNode<T>(next.id);
    if (!stored)
      return false;
    if (same(*stored, next)) {
      node = *stored;
      return tx.commit();
    }
    sameProperties =
        stored->properties == next.properties && stored->customProperties == next.customProperties;
  }
  if (!checkNode(table, next))
    return false;
  int64_t now = nowMs();
  Statement write = writeRow(next, now);
  Statement::Step s = write ? write.step() : Statement::Step::Error;
  if (s != Statement::Step::Row)
    return sqlFail(std::string("storing ") + table.what);
  next.id = write.int64(0);
  next.createTimeMs = write.int64(1);
  next.lastUpdateTimeMs = now;
  if (!write.run())
    return sqlFail(std::string("storing ") + table.what);
  if ((!sameProperties && !writeProperties(table, next)) || !tx.commit())
    return false;
  node = next;
  return true;
}

bool MetadataStore::putArtifact(Artifact &artifact) { return putNode(artifact); }
bool MetadataStore::putExecution(Execution &execution) { return putNode(execution); }

bool MetadataStore::putContext(Context &context) {
  return context.name.empty() ? fail("a context needs a name") : putNode(context);
}

// Properties are rewritten whole: delete the node's rows, insert the current ones.
bool MetadataStore::writeProperties(const NodeTable &table, const Node &node) {
  const std::string propertyTable = std::string("`") + table.propertyTable + "`";
  if (!db_->query("DELETE FROM " + propertyTable + " WHERE `" + table.idColumn + "` = ?1", node.id)
           .run())
    return sqlFail(std::string("storing the properties of ") + table.what);
  for (int custom = 0; custom < 2; ++custom) {
    for (const auto &[name, value] : custom ? node.customProperties : node.properties) {
      Statement q = db_->query("INSERT INTO " + propertyTable + "(`" + table.idColumn +
                                   "`, `name`, `is_custom_property`, `" +
                                   kValueColumns[value.index()] + "`) VALUES(?1, ?2, ?3, ?4)",
                               node.id, name, custom);
      if (q)
        bindValue(q, 4, value);
      if (!q || !q.run())
        return sqlFail("storing property " + quoted(name) + " of " + table.what);
    }
  }
  return true;
}

bool MetadataStore::readProperties(const NodeTable &table, Node &node) {
  Statement q = db_->query(std::string("SELECT `name`, `is_custom_property`, `int_value`, "
                                       "`double_value`, `string_value`, `bool_value` FROM `") +
                               table.propertyTable + "` WHERE `" + table.idColumn + "` = ?1",
                           node.id);
  Statement::Step s;
  while ((s = q ? q.step() : Statement::Step::Error) == Statement::Step::Row) {
    Properties &props = q.int64(1) ? node.customProperties : node.properties;
    std::string name = q.text(0);
    // The order MLMD reads them in. A proto_value (from other MLMD clients)
    // has no Value alternative and is left out.
    if (!q.isNull(2))
      props[name] = q.int64(2);
    else if (!q.isNull(3))
      props[name] = q.real(3);
    else if (!q.isNull(4))
      props[name] = q.text(4);
    else if (!q.isNull(5))
      props[name] = q.int64(5) != 0;
  }
  return s == Statement::Step::Done ||
         sqlFail(std::string("reading the properties of ") + table.what);
}

template <typename T> bool MetadataStore::readNodes(Statement &q, std::vector<T> &out) {
  std::vector<T> nodes;
  Statement::Step s;
  while ((s = q ? q.step() : Statement::Step::Error) == Statement::Step::Row) {
    nodes.emplace_back();
    readRow(q, nodes.back());
  }
  if (s == Statement::Step::Error)
    return sqlFail(std::string("reading ") + tableOf<T>().what + "s");
  for (T &n : nodes)
    if (!readProperties(tableOf<T>(), n))
      return false;
  out = std::move(nodes);
  return true;
}

template <typename T> std::optional<T> MetadataStore::getNode(int64_t id) {
  const NodeTable &t = tableOf<T>();
  Statement q = db_->query(
      std::string("SELECT ") + t.columns + " FROM `" + t.table + "` AS N WHERE N.id = ?1", id);
  std::vector<T> found;
  if (!readNodes(q, found))
    return std::nullopt;
  if (found.empty()) {
    fail(std::string("no ") + t.what + " with id " + std::to_string(id));
    return std::nullopt;
  }
  return found.front();
}

std::optional<Artifact> MetadataStore::getArtifact(int64_t id) { return getNode<Artifact>(id); }
std::optional<Execution> MetadataStore::getExecution(int64_t id) { return getNode<Execution>(id); }
std::optional<Context> MetadataStore::getContext(int64_t id) { return getNode<Context>(id); }

// Not finding it is no error here: error() stays empty.
std::optional<Context> MetadataStore::getContext(int64_t typeId, const std::string &name) {
  error_.clear();
  Statement q = db_->query(std::string("SELECT ") + kContexts.columns +
                               " FROM `Context` AS N WHERE N.type_id = ?1 AND N.name = ?2",
                           typeId, name);
  std::vector<Context> found;
  if (!readNodes(q, found) || found.empty())
    return std::nullopt;
  return found.front();
}

bool MetadataStore::getArtifactsByType(int64_t typeId, std::vector<Artifact> &out) {
  Statement q = db_->query(std::string("SELECT ") + kArtifacts.columns +
                               " FROM `Artifact` AS N WHERE N.type_id = ?1 ORDER BY N.id",
                           typeId);
  return readNodes(q, out);
}

bool MetadataStore::getContextsByType(int64_t typeId, std::vector<Context> &out) {
  Statement q = db_->query(std::string("SELECT ") + kContexts.columns +
                               " FROM `Context` AS N WHERE N.type_id = ?1 ORDER BY N.id",
                           typeId);
  return readNodes(q, out);
}

bool MetadataStore::getArtifactsByUri(const std::string &uri, std::vector<Artifact> &out) {
  Statement q = db_->query(std::string("SELECT ") + kArtifacts.columns +
                               " FROM `Artifact` AS N WHERE N.uri = ?1 ORDER BY N.id",
                           uri);
  return readNodes(q, out);
}

bool MetadataStore::getArtifactsByContext(int64_t contextId, std::vector<Artifact> &out) {
  Statement q = db_->query(std::string("SELECT ") + kArtifacts.columns +
                               " FROM `Artifact` AS N JOIN `Attribution` AS L "
                               "ON L.artifact_id = N.id WHERE L.context_id = ?1 ORDER BY N.id",
                           contextId);
  return readNodes(q, out);
}

bool MetadataStore::getExecutionsByContext(int64_t contextId, std::vector<Execution> &out) {
  Statement q = db_->query(std::string("SELECT ") + kExecutions.columns +
                               " FROM `Execution` AS N JOIN `Association` AS L "
                               "ON L.execution_id = N.id WHERE L.context_id = ?1 ORDER BY N.id",
                           contextId);
  return readNodes(q, out);
}

bool MetadataStore::getContextsByExecution(int64_t executionId, std::vector<Context> &out) {
  Statement q = db_->query(std::string("SELECT ") + kContexts.columns +
                               " FROM `Context` AS N JOIN `Association` AS L "
                               "ON L.context_id = N.id WHERE L.execution_id = ?1 ORDER BY N.id",
                           executionId);
  return readNodes(q, out);
}

bool MetadataStore::getParentContexts(int64_t contextId, std::vector<Context> &out) {
  Statement q =
      db_->query(std::string("SELECT ") + kContexts.columns +
                     " FROM `Context` AS N JOIN `ParentContext` AS L "
                     "ON L.parent_context_id = N.id WHERE L.context_id = ?1 ORDER BY N.id",
                 contextId);
  return readNodes(q, out);
}

// ---------------------------------------------------------------------------
// Events and links

bool MetadataStore::putEvent(Event &event) {
  Transaction tx(*this);
  if (!tx.ok() || !exists(kArtifacts, event.artifactId) || !exists(kExecutions, event.executionId))
    return false;
  int64_t time = event.timeMs ? event.timeMs : nowMs();
  if (!db_->query("INSERT INTO `Event`(`artifact_id`, `execution_id`, `type`, "
                  "`milliseconds_since_epoch`) VALUES(?1, ?2, ?3, ?4)",
                  event.artifactId, event.executionId, static_cast<int>(event.type), time)
           .run())
    return sqlFail("storing an event");
  int64_t id = db_->lastInsertId();
  // One EventPath row per step, in order; only the step's own column is set.
  for (const PathStep &step : event.path) {
    bool ok = std::holds_alternative<int64_t>(step)
                  ? db_->query("INSERT INTO `EventPath`(`event_id`, `is_index_step`, "
                               "`step_index`) VALUES(?1, 1, ?2)",
                               id, std::get<int64_t>(step))
                        .run()
                  : db_->query("INSERT INTO `EventPath`(`event_id`, `is_index_step`, "
                               "`step_key`) VALUES(?1, 0, ?2)",
                               id, std::get<std::string>(step))
                        .run();
    if (!ok)
      return sqlFail("storing an event path");
  }
  if (!tx.commit())
    return false;
  event.id = id;
  event.timeMs = time;
  return true;
}

bool MetadataStore::getEvents(const char *column, int64_t id, std::vector<Event> &out) {
  std::vector<Event> events;
  {
    Statement q = db_->query(std::string("SELECT `id`, `artifact_id`, `execution_id`, `type`, "
                                         "`milliseconds_since_epoch` FROM `Event` WHERE `") +
                                 column + "` = ?1 ORDER BY `id`",
                             id);
    Statement::Step s;
    while ((s = q ? q.step() : Statement::Step::Error) == Statement::Step::Row)
      events.push_back(Event{
          q.int64(0), q.int64(1), q.int64(2), static_cast<EventType>(q.int64(3)), q.int64(4), {}});
    if (s == Statement::Step::Error)
      return sqlFail("reading events");
  }
  for (Event &e : events) {
    Statement q = db_->query("SELECT `is_index_step`, `step_index`, `step_key` FROM `EventPath` "
                             "WHERE `event_id` = ?1 ORDER BY rowid",
                             e.id);
    Statement::Step s;
    while ((s = q ? q.step() : Statement::Step::Error) == Statement::Step::Row)
      e.path.push_back(q.int64(0) ? PathStep(q.int64(1)) : PathStep(q.text(2)));
    if (s == Statement::Step::Error)
      return sqlFail("reading event paths");
  }
  out = std::move(events);
  return true;
}

bool MetadataStore::getEventsByExecution(int64_t executionId, std::vector<Event> &out) {
  return getEvents("execution_id", executionId, out);
}

bool MetadataStore::getEventsByArtifact(int64_t artifactId, std::vector<Event> &out) {
  return getEvents("artifact_id", artifactId, out);
}

// Links are inserted only when missing: INSERT OR IGNORE would still use up
// an AUTOINCREMENT id, and so write sqlite_sequence, on every repeat.
bool MetadataStore::putAttribution(int64_t contextId, int64_t artifactId) {
  return exists(kContexts, contextId) && exists(kArtifacts, artifactId) &&
         (db_->query("INSERT INTO `Attribution`(`context_id`, `artifact_id`) SELECT ?1, ?2 "
                     "WHERE NOT EXISTS (SELECT 1 FROM `Attribution` "
                     "WHERE `context_id` = ?1 AND `artifact_id` = ?2)",
                     contextId, artifactId)
              .run() ||
          sqlFail("storing an attribution"));
}

bool MetadataStore::putAssociation(int64_t contextId, int64_t executionId) {
  return exists(kContexts, contextId) && exists(kExecutions, executionId) &&
         (db_->query("INSERT INTO `Association`(`context_id`, `execution_id`) SELECT ?1, ?2 "
                     "WHERE NOT EXISTS (SELECT 1 FROM `Association` "
                     "WHERE `context_id` = ?1 AND `execution_id` = ?2)",
                     contextId, executionId)
              .run() ||
          sqlFail("storing an association"));
}

bool MetadataStore::putParentContext(int64_t parentId, int64_t childId) {
  if (parentId == childId)
    return fail("a context cannot be its own parent");
  return exists(kContexts, parentId) && exists(kContexts, childId) &&
         (db_->query("INSERT OR IGNORE INTO `ParentContext`(`context_id`, `parent_context_id`) "
                     "VALUES(?1, ?2)",
                     childId, parentId)
              .run() ||
          sqlFail("storing a parent context"));
}

bool MetadataStore::putExecution(Execution &execution, std::vector<ArtifactAndEvent> &artifacts,
                                 const std::vector<int64_t> &contextIds) {
  // On failure nothing is stored, so the caller's objects keep their old ids.
  Execution e = execution;
  std::vector<Artifact> stored;
  Transaction tx(*this);
  if (!tx.ok() || !putExecution(e))
    return false;
  for (const ArtifactAndEvent &ae : artifacts) {
    stored.push_back(ae.artifact);
    if (!putArtifact(stored.back()))
      return false;
    Event event{0, stored.back().id, e.id, ae.type, 0, ae.path};
    if (ae.type != EventType::Unknown && !putEvent(event))
      return false;
  }
  for (int64_t contextId : contextIds) {
    if (!putAssociation(contextId, e.id))
      return false;
    for (const Artifact &a : stored)
      if (!putAttribution(contextId, a.id))
        return false;
  }
  if (!tx.commit())
    return false;
  execution = e;
  for (size_t i = 0; i < stored.size(); ++i)
    artifacts[i].artifact = stored[i];
  return true;
}

// ---------------------------------------------------------------------------
// Transactions

Transaction::Transaction(MetadataStore &store) : store_(store), level_(store.depth_) {
  open_ = store_.db_->exec(level_ == 0 ? "BEGIN IMMEDIATE"
                                       : "SAVEPOINT mlpc_" + std::to_string(level_));
  if (open_)
    ++store_.depth_;
  else
    store_.sqlFail("beginning a transaction");
}

Transaction::~Transaction() { rollback(); }

bool Transaction::commit() {
  if (!open_)
    return false;
  if (!store_.db_->exec(level_ == 0 ? "COMMIT" : "RELEASE mlpc_" + std::to_string(level_))) {
    store_.sqlFail("committing");
    rollback();
    return false;
  }
  open_ = false;
  --store_.depth_;
  return true;
}

void Transaction::rollback() {
  if (!open_)
    return;
  open_ = false;
  --store_.depth_;
  if (!store_.db_->inTransaction()) // SQLite already rolled back (I/O error, full disk)
    return;
  std::string sp = "mlpc_" + std::to_string(level_);
  store_.db_->exec(level_ == 0 ? "ROLLBACK" : "ROLLBACK TO " + sp + "; RELEASE " + sp);
}

} // namespace mlpc::runtime::metadata
