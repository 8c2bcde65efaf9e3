// Internal to the process module: the child's environment, PATH lookup and
// posix_spawn. Separate from run() so each can be tested on its own.
#pragma once

#include "runtime/process/Process.h"

#include <atomic>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mlpc::runtime::process::detail {

// "K=V" entries for the child (see LaunchSpec::env).
std::vector<std::string> childEnvironment(const LaunchSpec &spec);

// PATH from "K=V" entries; the system default when there is none.
std::string searchPath(const std::vector<std::string> &environment);

struct Resolved {
  std::string path;  // what to exec; "" when `error` says why not
  std::string error; // e.g. "`trainx`: no such executable in PATH"
};
// execvp's rules: a name with a '/' is used as it is (relative to
// `workingDir`), else the first executable regular file in `pathVar`.
Resolved resolveExecutable(const std::string &name, const std::string &pathVar,
                           const std::string &workingDir);

// Spawns `path` with `argv`, stdin from /dev/null and stdout and stderr on
// `outFd` (-1: /dev/null), in a new process group, with default signal
// handling and no descriptor but 0-2. Returns the pid, or -1 and `error`.
pid_t spawn(const std::string &path, const std::vector<std::string> &argv,
            const std::vector<std::string> &environment, const std::string &workingDir, int outFd,
            std::string &error);

// Tests: wait with waitid + short sleeps, as on kernels without pidfd_open.
extern std::atomic<bool> disablePidfdForTesting;

} // namespace mlpc::runtime::process::detail
