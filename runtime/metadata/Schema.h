// The ML Metadata (google/ml-metadata) SQLite schema, version 10: the tables
// and indices MLMD 1.11 to 1.16 create, so that their clients open our files.
#pragma once

namespace mlpc::runtime::metadata {

// MLMDEnv.schema_version. MLMD refuses a database whose version differs from
// its own unless asked to migrate, so we write exactly this one.
constexpr int kSchemaVersion = 10;

// The statements that create a new database, in the order MLMD runs them.
// The text is MLMD's own: SQLite keeps it in sqlite_master, and a byte-equal
// schema is the simplest proof of compatibility (see MetadataSchema.golden).
extern const char *const kSchemaStatements[];
extern const int kSchemaStatementCount;

// The "simple types" MLMD upserts every time it opens a store, in its order
// (ml_metadata/simple_types/simple_types_constants.cc). MLMD cannot open a
// store read-only unless they are there already.
inline constexpr const char *kSimpleArtifactTypes[] = {"mlmd.Dataset", "mlmd.Model", "mlmd.Metrics",
                                                       "mlmd.Statistics"};
inline constexpr const char *kSimpleExecutionTypes[] = {
    "mlmd.Train", "mlmd.Transform", "mlmd.Process", "mlmd.Evaluate", "mlmd.Deploy"};

} // namespace mlpc::runtime::metadata
