// The argv that runs a task's command in a container, for
// `--container-runtime=docker|podman`. Only an argv: run() launches it like
// any other command, and containerKillArgv() stops what killing the client
// would leave running.
#include "runtime/process/Process.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mlpc::runtime::process {
namespace {

// Unique among concurrent runs on this machine: pid, start time, counter.
std::string uniqueName() {
  static std::atomic<unsigned> counter{0};
  static const long long started = std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
  return "mlpc-" + std::to_string(getpid()) + "-" + std::to_string(started % 100000000) + "-" +
         std::to_string(counter.fetch_add(1));
}

std::string absolute(const std::string &path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  std::string s = (ec ? fs::path(path) : p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/')
    s.pop_back(); // "a/b/.." normalizes to "a/"
  return s;
}

} // namespace

std::vector<std::string> containerArgv(const std::string &runtime, const std::string &image,
                                       const std::vector<std::string> &argv,
                                       const std::vector<std::string> &mounts,
                                       const std::map<std::string, std::string> &env,
                                       const std::string &workingDir) {
  std::vector<std::string> out = {runtime, "run", "--rm", "-i", "--name", uniqueName()};
  // Outputs land in the run's folders on the host: they must belong to the
  // user, or the runtime cannot move them into place or delete them.
  if (getuid() != 0) {
    if (runtime == "podman")
      out.push_back("--userns=keep-id"); // rootless: container root is the user already
    else
      out.insert(out.end(), {"--user", std::to_string(getuid()) + ":" + std::to_string(getgid())});
  }
  std::vector<std::string> seen;
  for (const std::string &m : mounts) {
    std::string p = absolute(m);
    if (m.empty() || std::find(seen.begin(), seen.end(), p) != seen.end())
      continue;
    seen.push_back(p);
    out.insert(out.end(), {"-v", p + ":" + p});
  }
  for (const auto &[k, v] : env)
    out.insert(out.end(), {"-e", k + "=" + v});
  if (!workingDir.empty())
    out.insert(out.end(), {"-w", absolute(workingDir)});
  if (!argv.empty())
    out.insert(out.end(), {"--entrypoint", argv[0]});
  out.push_back(image);
  if (!argv.empty())
    out.insert(out.end(), argv.begin() + 1, argv.end());
  return out;
}

std::vector<std::string> containerKillArgv(const std::vector<std::string> &containerArgv) {
  if (containerArgv.size() < 4 || containerArgv[1] != "run")
    return {};
  for (std::size_t i = 2; i + 1 < containerArgv.size(); ++i) {
    if (containerArgv[i] == "--name")
      return {containerArgv[0], "kill", containerArgv[i + 1]};
    if (containerArgv[i].empty() || containerArgv[i][0] != '-')
      break; // the image: options end here
  }
  return {};
}

} // namespace mlpc::runtime::process
