#include "runtime/process/Spawn.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace mlpc::runtime::process {

const std::vector<std::string> &inheritedVariables() {
  // What a task needs to find programs, files and the network, to pick a
  // GPU, and to reach a container engine; nothing else of the user's shell.
  // clang-format off
  static const std::vector<std::string> names = {
      "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR",
      "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
      "SSL_CERT_FILE", "SSL_CERT_DIR", "CUDA_VISIBLE_DEVICES",
      "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY",
      "CONTAINER_HOST", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"};
  // clang-format on
  return names;
}

std::string findExecutable(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::vector<std::string> env;
  if (path)
    env.push_back(std::string("PATH=") + path);
  return detail::resolveExecutable(name, detail::searchPath(env), "").path;
}

bool toolExists(const std::string &name) { return !findExecutable(name).empty(); }

namespace detail {

std::atomic<bool> disablePidfdForTesting{false};

namespace {

bool isInherited(const std::string &name) {
  if (name.compare(0, 3, "LC_") == 0)
    return true;
  const std::vector<std::string> &names = inheritedVariables();
  return std::find(names.begin(), names.end(), name) != names.end();
}

enum class FileKind { Missing, Directory, NotExecutable, Executable };

FileKind kindOf(const std::string &path, const std::string &workingDir) {
  std::string p = path;
  if (!workingDir.empty() && p.front() != '/')
    p = workingDir + "/" + p; // exec resolves it after the child's chdir
  struct stat st {};
  if (stat(p.c_str(), &st) != 0)
    return FileKind::Missing;
  if (S_ISDIR(st.st_mode))
    return FileKind::Directory;
  if (!S_ISREG(st.st_mode) || access(p.c_str(), X_OK) != 0)
    return FileKind::NotExecutable;
  return FileKind::Executable;
}

std::string quoted(const std::string &s) { return "`" + s + "`"; }

std::vector<char *> pointers(const std::vector<std::string> &strings) {
  std::vector<char *> p;
  p.reserve(strings.size() + 1);
  for (const std::string &s : strings)
    p.push_back(const_cast<char *>(s.c_str()));
  p.push_back(nullptr);
  return p;
}

std::string execError(const std::string &name, int err) {
  std::string why = std::strerror(err);
  if (err == ENOEXEC)
    why = "not a program, and no #! line (commands do not run through a shell)";
  else if (err == ENOENT)
    why += " (is the interpreter on its #! line missing?)";
  return quoted(name) + ": cannot execute: " + why;
}

} // namespace

std::vector<std::string> childEnvironment(const LaunchSpec &spec) {
  std::vector<std::string> out;
  for (char **e = environ; e && *e; ++e) {
    const char *eq = std::strchr(*e, '=');
    if (!eq)
      continue;
    std::string name(*e, static_cast<std::size_t>(eq - *e));
    if ((spec.inheritFullEnv || isInherited(name)) && !spec.env.count(name))
      out.emplace_back(*e);
  }
  for (const auto &[k, v] : spec.env)
    if (!k.empty() && k.find('=') == std::string::npos)
      out.push_back(k + "=" + v);
  return out;
}

std::string searchPath(const std::vector<std::string> &environment) {
  for (const std::string &kv : environment)
    if (kv.compare(0, 5, "PATH=") == 0)
      return kv.substr(5);
  return "/bin:/usr/bin"; // execvp's default (confstr(_CS_PATH))
}

Resolved resolveExecutable(const std::string &name, const std::string &pathVar,
                           const std::string &workingDir) {
  if (name.empty())
    return {"", "the command is empty"};
  if (name.find('/') != std::string::npos) {
    switch (kindOf(name, workingDir)) {
    case FileKind::Executable:
      return {name, ""};
    case FileKind::Missing:
      return {"", quoted(name) + ": no such file"};
    case FileKind::Directory:
      return {"", quoted(name) + ": is a directory"};
    case FileKind::NotExecutable:
      return {"", quoted(name) + ": not executable (permission denied)"};
    }
  }
  std::string notExecutable; // execvp goes on past these, and fails with EACCES
  std::size_t start = 0;
  while (true) {
    std::size_t end = pathVar.find(':', start);
    std::string dir = pathVar.substr(start, end == std::string::npos ? end : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    FileKind kind = kindOf(candidate, workingDir);
    if (kind == FileKind::Executable)
      return {candidate, ""};
    if (kind == FileKind::NotExecutable && notExecutable.empty())
      notExecutable = candidate;
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  if (!notExecutable.empty())
    return {"", quoted(name) + ": " + quoted(notExecutable) + " is not executable"};
  return {"", quoted(name) + ": no such executable in PATH"};
}

pid_t spawn(const std::string &path, const std::vector<std::string> &argv,
            const std::vector<std::string> &environment, const std::string &workingDir, int outFd,
            std::string &error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // stdout and stderr first: `outFd` may be 0 when the runtime runs with stdin closed.
  if (outFd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, outFd, 1); // dup2 clears O_CLOEXEC
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, outFd >= 0 ? outFd : 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!workingDir.empty())
    posix_spawn_file_actions_addchdir_np(&actions, workingDir.c_str());
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
  // Descriptors that other code opened without O_CLOEXEC (std::ofstream)
  // must not leak into tasks, nor keep another task's log open.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A group of its own, so a stop reaches the task's children and the
  // terminal's Ctrl-C reaches only the runtime; no blocked signals and
  // default actions, whatever the runtime ignores (SIGPIPE) or handles.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s = 1; s < 32; ++s)
    if (s != SIGKILL && s != SIGSTOP)
      sigaddset(&defaults, s);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char *> argp = pointers(argv), envp = pointers(environment);
  pid_t pid = -1;
  int rc = 0;
  // ETXTBSY: another thread's child briefly holds a write descriptor to the
  // file between its fork and its exec; it goes away at once.
  for (int attempt = 0; attempt < 5; ++attempt) {
    rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argp.data(), envp.data());
    if (rc != ETXTBSY)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1 << attempt));
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = execError(argv.empty() ? path : argv[0], rc);
    return -1;
  }
  return pid;
}

} // namespace detail
} // namespace mlpc::runtime::process
