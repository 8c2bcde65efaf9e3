// The MLMD-compatible lineage store: the schema MLMD itself creates, round
// trips of every record, the numbers MLMD stores, and transactions.
#include "runtime/metadata/MetadataStore.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace mlpc::runtime::metadata;
namespace fs = std::filesystem;

namespace {

// A fresh folder per test, removed afterwards.
class MetadataStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mlpc-metadata-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    path = (dir / "metadata.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir); }

  std::unique_ptr<MetadataStore> open() {
    std::string error;
    auto store = MetadataStore::open(path, error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  // Runs SQL on the file directly (as another client would); the rows as
  // "a|b|c" lines.
  std::vector<std::string> sql(const std::string &query) {
    sqlite3 *db = nullptr;
    std::vector<std::string> rows;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    auto collect = [](void *out, int n, char **values, char **) {
      std::string row;
      for (int i = 0; i < n; ++i)
        row += (i ? "|" : "") + std::string(values[i] ? values[i] : "NULL");
      static_cast<std::vector<std::string> *>(out)->push_back(row);
      return 0;
    };
    char *error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, query.c_str(), collect, &rows, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    return rows;
  }

  fs::path dir;
  std::string path;
};

using Rows = std::vector<std::string>;

TEST(MetadataValues, EnumsCarryMlmdNumbers) {
  // ml_metadata/proto/metadata_store.proto
  static_assert(static_cast<int>(ArtifactState::Live) == 2);
  static_assert(static_cast<int>(ArtifactState::Reference) == 6);
  static_assert(static_cast<int>(ExecutionState::Complete) == 3);
  static_assert(static_cast<int>(ExecutionState::Cached) == 5);
  static_assert(static_cast<int>(ExecutionState::Canceled) == 6);
  static_assert(static_cast<int>(EventType::Input) == 3);
  static_assert(static_cast<int>(EventType::Output) == 4);
  static_assert(static_cast<int>(EventType::PendingOutput) == 7);
  static_assert(static_cast<int>(PropertyType::Boolean) == 6);
  // A string literal is a string, not a bool; an int is an int.
  EXPECT_TRUE(std::holds_alternative<std::string>(Value("x")));
  EXPECT_TRUE(std::holds_alternative<int64_t>(Value(int64_t{3})));
  EXPECT_TRUE(std::holds_alternative<bool>(Value(true)));
}

TEST_F(MetadataStoreTest, CreatesTheSchemaMlmdCreates) {
  ASSERT_TRUE(open());
  std::ifstream golden(MLPC_METADATA_SCHEMA_GOLDEN);
  ASSERT_TRUE(golden) << MLPC_METADATA_SCHEMA_GOLDEN;
  Rows expected;
  for (std::string line; std::getline(golden, line);)
    if (!line.empty() && line[0] != '#')
      expected.push_back(line);
  Rows actual;
  for (const std::string &row :
       sql("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY rowid"))
    actual.push_back(row);
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(sql("SELECT * FROM MLMDEnv"), Rows{"10"});
  EXPECT_EQ(sql("PRAGMA journal_mode"), Rows{"wal"});
  EXPECT_EQ(sql("PRAGMA page_size"), Rows{"1024"});
  // MLMD's simple types, with the ids MLMD gives them (it cannot open the
  // file read-only without them).
  EXPECT_EQ(sql("SELECT id, name, type_kind FROM Type"),
            (Rows{"1|mlmd.Dataset|1", "2|mlmd.Model|1", "3|mlmd.Metrics|1", "4|mlmd.Statistics|1",
                  "5|mlmd.Train|0", "6|mlmd.Transform|0", "7|mlmd.Process|0", "8|mlmd.Evaluate|0",
                  "9|mlmd.Deploy|0"}));
  ASSERT_TRUE(open()) << "reopening adds nothing";
  EXPECT_EQ(sql("SELECT count(*) FROM Type"), Rows{"9"});
}

TEST_F(MetadataStoreTest, ReopensAnExistingDatabase) {
  int64_t type, id;
  {
    auto store = open();
    type = store->putArtifactType("Dataset");
    Artifact a;
    a.typeId = type;
    a.uri = "/data/x";
    ASSERT_TRUE(store->putArtifact(a)) << store->error();
    id = a.id;
  }
  auto store = open();
  EXPECT_EQ(store->putArtifactType("Dataset"), type);
  auto a = store->getArtifact(id);
  ASSERT_TRUE(a) << store->error();
  EXPECT_EQ(a->uri, "/data/x");
  EXPECT_EQ(sql("SELECT count(*) FROM MLMDEnv"), Rows{"1"});
}

TEST_F(MetadataStoreTest, RefusesOtherSchemaVersions) {
  ASSERT_TRUE(open());
  sql("UPDATE MLMDEnv SET schema_version = 8");
  std::string error;
  EXPECT_FALSE(MetadataStore::open(path, error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("schema version 8"), std::string::npos) << error;
  EXPECT_NE(error.find("version 10"), std::string::npos) << error;
  EXPECT_EQ(sql("SELECT * FROM MLMDEnv"), Rows{"8"}) << "left as it was";
}

TEST_F(MetadataStoreTest, RefusesFilesThatAreNotMlmd) {
  sql("CREATE TABLE t(x)");
  std::string error;
  EXPECT_FALSE(MetadataStore::open(path, error));
  EXPECT_NE(error.find("not an ML Metadata database"), std::string::npos) << error;

  std::ofstream(dir / "text.sqlite") << "not a database, just some text that is long enough";
  error.clear();
  EXPECT_FALSE(MetadataStore::open((dir / "text.sqlite").string(), error));
  EXPECT_NE(error.find("text.sqlite"), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(MetadataStore::open((dir / "no/such/dir/m.sqlite").string(), error));
  EXPECT_FALSE(error.empty());
}

TEST_F(MetadataStoreTest, TypesAreIdempotentByNameAndKind) {
  auto store = open();
  int64_t dataset = store->putArtifactType("Dataset", {{"span", PropertyType::Int}});
  ASSERT_GT(dataset, 0) << store->error();
  EXPECT_EQ(store->putArtifactType("Dataset"), dataset);
  EXPECT_EQ(store->putArtifactType("Dataset", {{"version", PropertyType::String}}), dataset)
      << "new properties are added";
  int64_t exec = store->putExecutionType("Dataset");
  int64_t ctx = store->putContextType("Dataset");
  EXPECT_NE(exec, dataset);
  EXPECT_NE(ctx, exec);
  EXPECT_EQ(sql("SELECT name, type_kind FROM Type WHERE id > 9 ORDER BY id"),
            (Rows{"Dataset|1", "Dataset|0", "Dataset|2"}));
  EXPECT_EQ(sql("SELECT name, data_type FROM TypeProperty ORDER BY name"),
            (Rows{"span|1", "version|3"}));
  auto type = store->getType(TypeKind::Artifact, "Dataset");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->properties.size(), 2u);

  EXPECT_EQ(store->putArtifactType("Dataset", {{"span", PropertyType::String}}), 0);
  EXPECT_NE(store->error().find("'span'"), std::string::npos) << store->error();
  EXPECT_EQ(store->putArtifactType(""), 0);
}

TEST_F(MetadataStoreTest, ArtifactRoundTrip) {
  auto store = open();
  int64_t type = store->putArtifactType(
      "Model", {{"accuracy", PropertyType::Double}, {"framework", PropertyType::String}});
  Artifact a;
  a.typeId = type;
  a.uri = "/runs/1/model";
  a.state = ArtifactState::Pending;
  a.name = "model'); DROP TABLE Artifact; --";
  a.externalId = "ext-1";
  a.properties = {{"accuracy", 0.25}, {"framework", std::string("sklearn")}};
  a.customProperties = {{"epochs", int64_t{-7}}, {"ok", true}, {"note", std::string("it's")}};
  ASSERT_TRUE(store->putArtifact(a)) << store->error();
  ASSERT_GT(a.id, 0);
  EXPECT_GT(a.createTimeMs, 1600000000000) << "milliseconds since the epoch";

  auto back = store->getArtifact(a.id);
  ASSERT_TRUE(back) << store->error();
  EXPECT_EQ(back->typeId, type);
  EXPECT_EQ(back->uri, a.uri);
  EXPECT_EQ(back->state, ArtifactState::Pending);
  EXPECT_EQ(back->name, a.name);
  EXPECT_EQ(back->externalId, "ext-1");
  EXPECT_EQ(back->createTimeMs, a.createTimeMs);
  EXPECT_EQ(back->properties, a.properties);
  EXPECT_EQ(back->customProperties, a.customProperties);
  // One value column per row, as MLMD reads them.
  EXPECT_EQ(sql("SELECT name, is_custom_property, int_value, double_value, string_value, "
                "bool_value FROM ArtifactProperty ORDER BY name"),
            (Rows{"accuracy|0|NULL|0.25|NULL|NULL", "epochs|1|-7|NULL|NULL|NULL",
                  "framework|0|NULL|NULL|sklearn|NULL", "note|1|NULL|NULL|it's|NULL",
                  "ok|1|NULL|NULL|NULL|1"}));

  // An update keeps the creation time and rewrites the properties.
  a.state = ArtifactState::Live;
  a.customProperties = {{"epochs", int64_t{8}}};
  int64_t created = a.createTimeMs;
  a.createTimeMs = 0;
  ASSERT_TRUE(store->putArtifact(a)) << store->error();
  EXPECT_EQ(a.createTimeMs, created);
  back = store->getArtifact(a.id);
  EXPECT_EQ(back->state, ArtifactState::Live);
  EXPECT_EQ(back->customProperties, a.customProperties);
  EXPECT_EQ(sql("SELECT state FROM Artifact"), Rows{"2"});

  Artifact b;
  b.typeId = type;
  b.uri = a.uri;
  ASSERT_TRUE(store->putArtifact(b)) << store->error();
  std::vector<Artifact> list;
  ASSERT_TRUE(store->getArtifactsByUri("/runs/1/model", list));
  EXPECT_EQ(list.size(), 2u);
  ASSERT_TRUE(store->getArtifactsByType(type, list));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, a.id);
  EXPECT_EQ(list[1].id, b.id);
  EXPECT_EQ(sql("SELECT count(*) FROM Artifact WHERE name IS NULL"), Rows{"1"})
      << "unset fields are NULL";
}

TEST_F(MetadataStoreTest, ArtifactPutsAreChecked) {
  auto store = open();
  int64_t type = store->putArtifactType("Dataset", {{"span", PropertyType::Int}});
  Artifact a;
  a.typeId = type;
  a.properties = {{"undeclared", int64_t{1}}};
  EXPECT_FALSE(store->putArtifact(a));
  EXPECT_NE(store->error().find("declares no property 'undeclared'"), std::string::npos)
      << store->error();
  a.properties = {{"span", std::string("one")}};
  EXPECT_FALSE(store->putArtifact(a));
  a.properties = {};
  a.typeId = store->putExecutionType("Train");
  EXPECT_FALSE(store->putArtifact(a));
  EXPECT_NE(store->error().find("not an artifact type"), std::string::npos) << store->error();
  a.typeId = 999;
  EXPECT_FALSE(store->putArtifact(a));
  a.typeId = type;
  a.id = 42;
  EXPECT_FALSE(store->putArtifact(a));
  EXPECT_NE(store->error().find("no artifact with id 42"), std::string::npos) << store->error();
  EXPECT_EQ(a.id, 42);
  a.id = 0;
  a.name = "same";
  ASSERT_TRUE(store->putArtifact(a)) << store->error();
  Artifact twin = a;
  twin.id = 0;
  EXPECT_FALSE(store->putArtifact(twin)) << "names are unique per type";
  EXPECT_EQ(twin.id, 0);
  EXPECT_EQ(sql("SELECT count(*) FROM Artifact"), Rows{"1"});
  EXPECT_FALSE(store->getArtifact(777));
  EXPECT_NE(store->error().find("no artifact with id 777"), std::string::npos);
}

TEST_F(MetadataStoreTest, ExecutionRoundTripAndStates) {
  auto store = open();
  int64_t type = store->putExecutionType("mlpc.Task");
  Execution e;
  e.typeId = type;
  e.name = "train";
  e.state = ExecutionState::Running;
  e.customProperties = {{"image", std::string("python:3.11")}, {"attempt", int64_t{1}}};
  ASSERT_TRUE(store->putExecution(e)) << store->error();
  for (ExecutionState s : {ExecutionState::Complete, ExecutionState::Failed, ExecutionState::Cached,
                           ExecutionState::Canceled}) {
    e.state = s;
    ASSERT_TRUE(store->putExecution(e)) << store->error();
    EXPECT_EQ(sql("SELECT last_known_state FROM Execution"),
              Rows{std::to_string(static_cast<int>(s))});
  }
  auto back = store->getExecution(e.id);
  ASSERT_TRUE(back) << store->error();
  EXPECT_EQ(back->state, ExecutionState::Canceled);
  EXPECT_EQ(back->name, "train");
  EXPECT_EQ(back->customProperties, e.customProperties);
}

TEST_F(MetadataStoreTest, EventsWithPaths) {
  auto store = open();
  Artifact a;
  a.typeId = store->putArtifactType("Examples");
  ASSERT_TRUE(store->putArtifact(a));
  Execution e;
  e.typeId = store->putExecutionType("Trainer");
  ASSERT_TRUE(store->putExecution(e));

  Event in{0, a.id, e.id, EventType::Input, 0, {std::string("examples"), int64_t{0}}};
  ASSERT_TRUE(store->putEvent(in)) << store->error();
  EXPECT_GT(in.id, 0);
  EXPECT_GT(in.timeMs, 0);
  Event out{0, a.id, e.id, EventType::Output, 1234, {std::string("model")}};
  ASSERT_TRUE(store->putEvent(out)) << store->error();

  std::vector<Event> events;
  ASSERT_TRUE(store->getEventsByExecution(e.id, events)) << store->error();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::Input);
  EXPECT_EQ(events[0].path, in.path);
  EXPECT_EQ(events[1].timeMs, 1234);
  EXPECT_EQ(events[1].path, out.path);
  ASSERT_TRUE(store->getEventsByArtifact(a.id, events));
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(sql("SELECT type FROM Event ORDER BY id"), (Rows{"3", "4"}));
  EXPECT_EQ(sql("SELECT event_id, is_index_step, step_index, step_key FROM EventPath"),
            (Rows{"1|0|NULL|examples", "1|1|0|NULL", "2|0|NULL|model"}));

  Event twice = in;
  EXPECT_FALSE(store->putEvent(twice)) << "one event per artifact, execution and type";
  Event dangling{0, 99, e.id, EventType::Input, 0, {}};
  EXPECT_FALSE(store->putEvent(dangling));
  EXPECT_NE(store->error().find("no artifact with id 99"), std::string::npos) << store->error();
  EXPECT_EQ(sql("SELECT count(*) FROM EventPath"), Rows{"3"});
}

TEST_F(MetadataStoreTest, ContextsAttributionsAssociations) {
  auto store = open();
  Context pipeline;
  pipeline.typeId = store->putContextType(kPipelineContextType);
  pipeline.name = "demo";
  ASSERT_TRUE(store->putContext(pipeline)) << store->error();
  Context again;
  again.typeId = pipeline.typeId;
  again.name = "demo";
  again.customProperties = {{"owner", std::string("me")}};
  ASSERT_TRUE(store->putContext(again)) << store->error();
  EXPECT_EQ(again.id, pipeline.id) << "contexts are keyed by type and name";
  EXPECT_EQ(again.createTimeMs, pipeline.createTimeMs);
  auto byName = store->getContext(pipeline.typeId, "demo");
  ASSERT_TRUE(byName);
  EXPECT_EQ(byName->customProperties, again.customProperties);
  EXPECT_FALSE(store->getContext(pipeline.typeId, "other"));
  EXPECT_TRUE(store->error().empty()) << "missing is not an error";

  Context run;
  run.typeId = store->putContextType(kPipelineRunContextType);
  run.name = "demo-1";
  ASSERT_TRUE(store->putContext(run));
  ASSERT_TRUE(store->putParentContext(pipeline.id, run.id)) << store->error();
  ASSERT_TRUE(store->putParentContext(pipeline.id, run.id)) << "idempotent";
  EXPECT_FALSE(store->putParentContext(run.id, run.id));
  std::vector<Context> parents;
  ASSERT_TRUE(store->getParentContexts(run.id, parents));
  ASSERT_EQ(parents.size(), 1u);
  EXPECT_EQ(parents[0].name, "demo");

  Artifact a;
  a.typeId = store->putArtifactType("Dataset");
  ASSERT_TRUE(store->putArtifact(a));
  Execution e;
  e.typeId = store->putExecutionType("Task");
  ASSERT_TRUE(store->putExecution(e));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(store->putAttribution(run.id, a.id)) << store->error();
    ASSERT_TRUE(store->putAssociation(run.id, e.id)) << store->error();
  }
  EXPECT_EQ(sql("SELECT count(*) FROM Attribution"), Rows{"1"});
  EXPECT_EQ(sql("SELECT count(*) FROM Association"), Rows{"1"});
  EXPECT_FALSE(store->putAssociation(run.id, 999));
  std::vector<Artifact> artifacts;
  ASSERT_TRUE(store->getArtifactsByContext(run.id, artifacts));
  ASSERT_EQ(artifacts.size(), 1u);
  EXPECT_EQ(artifacts[0].id, a.id);
  std::vector<Execution> executions;
  ASSERT_TRUE(store->getExecutionsByContext(run.id, executions));
  ASSERT_EQ(executions.size(), 1u);
  std::vector<Context> contexts;
  ASSERT_TRUE(store->getContextsByExecution(e.id, contexts));
  ASSERT_EQ(contexts.size(), 1u);
  EXPECT_EQ(contexts[0].name, "demo-1");

  Context nameless;
  nameless.typeId = run.typeId;
  EXPECT_FALSE(store->putContext(nameless));
}

TEST_F(MetadataStoreTest, TransactionRollsBackUnlessCommitted) {
  auto store = open();
  int64_t type = store->putArtifactType("Dataset");
  Artifact kept, dropped;
  kept.typeId = dropped.typeId = type;
  {
    Transaction tx(*store);
    ASSERT_TRUE(tx.ok()) << store->error();
    ASSERT_TRUE(store->putArtifact(kept));
    {
      Transaction inner(*store);
      ASSERT_TRUE(inner.ok()) << store->error();
      ASSERT_TRUE(store->putArtifact(dropped));
    } // not committed: a savepoint rolled back
    ASSERT_TRUE(tx.commit()) << store->error();
  }
  EXPECT_TRUE(store->getArtifact(kept.id));
  EXPECT_FALSE(store->getArtifact(dropped.id));
  {
    Transaction tx(*store);
    Artifact lost;
    lost.typeId = type;
    ASSERT_TRUE(store->putArtifact(lost));
  }
  EXPECT_EQ(sql("SELECT count(*) FROM Artifact"), Rows{"1"});
}

TEST_F(MetadataStoreTest, PutExecutionIsAtomic) {
  auto store = open();
  int64_t dataset = store->putArtifactType("Dataset");
  Context run;
  run.typeId = store->putContextType(kPipelineRunContextType);
  run.name = "r1";
  ASSERT_TRUE(store->putContext(run));
  Execution e;
  e.typeId = store->putExecutionType("Task");
  e.state = ExecutionState::Complete;

  std::vector<ArtifactAndEvent> io(2);
  io[0].artifact.typeId = dataset;
  io[0].type = EventType::Output;
  io[0].path = {std::string("out"), int64_t{0}};
  io[1].artifact.typeId = 12345; // no such type: the whole call fails
  io[1].type = EventType::Output;
  EXPECT_FALSE(store->putExecution(e, io, {run.id}));
  EXPECT_EQ(e.id, 0);
  EXPECT_EQ(io[0].artifact.id, 0);
  EXPECT_EQ(sql("SELECT (SELECT count(*) FROM Execution) + (SELECT count(*) FROM Artifact) + "
                "(SELECT count(*) FROM Event) + (SELECT count(*) FROM Association)"),
            Rows{"0"});

  io[1].artifact.typeId = dataset;
  io[1].artifact.state = ArtifactState::Live;
  ASSERT_TRUE(store->putExecution(e, io, {run.id})) << store->error();
  EXPECT_GT(e.id, 0);
  EXPECT_GT(io[1].artifact.id, 0);
  EXPECT_EQ(sql("SELECT artifact_id, execution_id, type FROM Event ORDER BY id"),
            (Rows{"1|1|4", "2|1|4"}));
  EXPECT_EQ(sql("SELECT context_id, artifact_id FROM Attribution ORDER BY id"),
            (Rows{"1|1", "1|2"}));
  EXPECT_EQ(sql("SELECT context_id, execution_id FROM Association"), Rows{"1|1"});
}

// Two runs on one root: the second writer waits for the first one's
// transaction instead of failing with "database is locked".
TEST_F(MetadataStoreTest, TwoStoresShareOneDatabase) {
  auto first = open();
  auto second = open();
  int64_t type = first->putArtifactType("Dataset");
  Transaction tx(*first);
  ASSERT_TRUE(tx.ok());
  Artifact a;
  a.typeId = type;
  ASSERT_TRUE(first->putArtifact(a));
  bool ok = false;
  std::thread writer([&] {
    Artifact b;
    b.typeId = type;
    ok = second->putArtifact(b);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(tx.commit());
  writer.join();
  EXPECT_TRUE(ok) << second->error();
  EXPECT_EQ(sql("SELECT count(*) FROM Artifact"), Rows{"2"});
}

} // namespace
