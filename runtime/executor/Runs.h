// `mlpc runs list` and `mlpc runs show RUN`: what the metadata store under a
// root knows about past runs (read only).
#pragma once

#include <ostream>
#include <string>

namespace mlpc::runtime {

// One line per run: id, pipeline, state, time, tasks (and how many were cached).
int listRuns(const std::string &root, std::ostream &out, std::ostream &err);

// A run's tasks: state, time, attempts, output artifacts. With `lineage` (an
// artifact's URI or path, or TASK/OUTPUT of this run), the tasks and artifacts
// upstream of it instead. `run` may be a unique prefix of the run id, or
// `latest`.
int showRun(const std::string &root, const std::string &run, const std::string &lineage,
            std::ostream &out, std::ostream &err);

} // namespace mlpc::runtime
