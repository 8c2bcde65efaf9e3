// Child processes of the native runtime. A task's command runs as an argv,
// never through a shell, in a process group of its own, with stdout and
// stderr appended to its log file. A timeout or a cancel stops the whole
// group: SIGTERM, then SIGKILL after a grace period. Every function here may
// be called from many threads at once.
#pragma once

#include "runtime/process/CancelToken.h"
#include "runtime/process/Interrupt.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mlpc::runtime::process {

struct LaunchSpec {
  // argv[0] is looked up in PATH (execvp rules; the child's PATH) unless it
  // contains a '/'. No shell is involved: arguments reach the child as given.
  std::vector<std::string> argv;
  // Added to, or overriding, the inherited environment. Only the variables
  // listed by inheritedVariables() are inherited from the runtime (a task
  // should not depend on whatever the user's shell happens to export),
  // unless inheritFullEnv is set.
  std::map<std::string, std::string> env;
  bool inheritFullEnv = false;
  std::string workingDir; // "" = the runtime's own
  // stdout and stderr, appended in the order written; created 0644 with its
  // parent folders. "" = discarded. The runtime adds one "[mlpc] ..." line
  // when the command cannot start, times out or is canceled.
  std::string logPath;
  double timeoutSeconds = 0;   // 0 = none
  double killGraceSeconds = 2; // from SIGTERM to SIGKILL
  // Run (output to the log, at most 10 s) just before SIGKILL, for children
  // that SIGKILL cannot reach: containerKillArgv() for a container.
  std::vector<std::string> killArgv;
};

struct ProcessResult {
  enum class Outcome { Exited, Signaled, TimedOut, Canceled, FailedToStart };
  Outcome outcome = Outcome::FailedToStart;
  int exitCode = -1; // when it exited (also for TimedOut/Canceled if it exited on SIGTERM)
  int signal = 0;    // the signal that ended it, if one did
  std::string error; // a sentence for FailedToStart, TimedOut and Canceled
  double seconds = 0;

  bool ok() const { return outcome == Outcome::Exited && exitCode == 0; }
};

// Spawns spec.argv and waits for it (and, once it exits, kills what it left
// behind in its process group). Returns Canceled without starting anything
// when the token is already canceled.
ProcessResult run(const LaunchSpec &spec, const CancelToken &cancel);

// "exited with status 3", "killed by signal 9 (SIGKILL)", "timed out after 5 s", ...
std::string describe(const ProcessResult &result);

// The last `maxLines` lines of a log, from at most its last `maxBytes` bytes
// (a line cut by that limit is dropped). Carriage-return progress bars keep
// only what a terminal would show. "" when the file cannot be read.
std::string tailOfFile(const std::string &path, std::size_t maxLines = 20,
                       std::size_t maxBytes = 4096);

// The names (and "LC_*") a child inherits unless inheritFullEnv is set.
const std::vector<std::string> &inheritedVariables();

// PATH lookup with execvp rules, in the runtime's PATH: the path that would
// run, or "" when there is none.
std::string findExecutable(const std::string &name);
bool toolExists(const std::string &name);

// `RUNTIME run --rm -i --name mlpc-... [--user UID:GID | --userns=keep-id]
//  -v M:M ... -e K=V ... [-w DIR] --entrypoint ARGV0 IMAGE ARGV1...`
// `runtime` is "docker" or "podman". Each mount is a host folder mounted at
// the same path (made absolute), so placeholders resolved to local paths stay
// valid. argv[0] replaces the image's ENTRYPOINT, as a KFP component's
// command does. Files the container writes belong to the invoking user.
std::vector<std::string> containerArgv(const std::string &runtime, const std::string &image,
                                       const std::vector<std::string> &argv,
                                       const std::vector<std::string> &mounts,
                                       const std::map<std::string, std::string> &env,
                                       const std::string &workingDir);

// `RUNTIME kill NAME` for an argv made by containerArgv (else empty): killing
// the docker/podman client does not stop its container, so set this as the
// LaunchSpec's killArgv.
std::vector<std::string> containerKillArgv(const std::vector<std::string> &containerArgv);

} // namespace mlpc::runtime::process
