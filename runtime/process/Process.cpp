// run(): spawn, wait, and stop on timeout or cancel.
//
// Waiting polls a pidfd (Linux 5.3+) together with the cancel token's
// eventfds, so each run() waits on its own child without SIGCHLD handlers
// and wakes at once on exit, timeout or cancel. Without pidfd_open it peeks
// with waitid(WNOWAIT) between short sleeps (20 us growing to 5 ms).
#include "runtime/process/Process.h"
#include "runtime/process/Spawn.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mlpc::runtime::process {
namespace {

using Clock = std::chrono::steady_clock;
using Outcome = ProcessResult::Outcome;
enum class Stop { None, TimedOut, Canceled };

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g s", s);
  return buf;
}

Clock::duration toDuration(double s) {
  s = s > 0 ? std::min(s, 1e9) : 0; // about 30 years: no overflow, and NaN is 0
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

int pidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  if (!detail::disablePidfdForTesting)
    return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); // always O_CLOEXEC
#endif
  return -1;
}

// The leader has exited (and is still a zombie: waitpid has not reaped it).
bool exitedNoReap(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

int openLog(const std::string &path, std::string &error) {
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  int fd = open(path.c_str(), flags, 0644);
  if (fd < 0 && errno == ENOENT) { // make its folders only when they are missing
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec); // open() says what went wrong
    fd = open(path.c_str(), flags, 0644);
  }
  if (fd < 0)
    error = "cannot open the log `" + path + "`: " + std::strerror(errno);
  return fd;
}

// One line of the runtime's own in the task's log, so the log alone tells
// what happened to each attempt.
void note(const std::string &logPath, const std::string &line) {
  if (logPath.empty())
    return;
  int fd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  std::string text = "[mlpc] " + line + "\n";
  ssize_t n = write(fd, text.data(), text.size());
  (void)n;
  close(fd);
}

void runKillCommand(const LaunchSpec &spec) {
  if (spec.killArgv.empty())
    return;
  LaunchSpec k;
  k.argv = spec.killArgv;
  k.env = spec.env;
  k.inheritFullEnv = spec.inheritFullEnv;
  k.logPath = spec.logPath;
  k.timeoutSeconds = 10;
  k.killGraceSeconds = 1;
  CancelToken never;
  run(k, never);
}

// Waits until `pid` has exited, leaving it unreaped so that its pid, which is
// also its group's id, cannot be reused while we still signal the group.
Stop awaitExit(pid_t pid, const LaunchSpec &spec, const CancelToken &cancel,
               Clock::time_point start) {
  const Clock::time_point never = Clock::time_point::max();
  const Clock::time_point deadline =
      spec.timeoutSeconds > 0 ? start + toDuration(spec.timeoutSeconds) : never;
  int pidfd = pidfdOpen(pid);
  Clock::time_point killAt = never;
  Stop why = Stop::None;
  bool killed = false;
  auto backoff = std::chrono::microseconds(20);
  while (true) {
    Clock::time_point now = Clock::now();
    if (why == Stop::None && (cancel.canceled() || now >= deadline)) {
      why = cancel.canceled() ? Stop::Canceled : Stop::TimedOut;
      kill(-pid, SIGTERM);
      killAt = now + toDuration(std::max(0.0, spec.killGraceSeconds));
    }
    if (why != Stop::None && !killed && (cancel.killRequested() || now >= killAt)) {
      runKillCommand(spec);
      kill(-pid, SIGKILL);
      killed = true;
      now = Clock::now();
    }

    pollfd fds[3];
    nfds_t n = 0;
    bool blind = false; // a token without eventfds: look at its flags often
    if (pidfd >= 0)
      fds[n++] = {pidfd, POLLIN, 0};
    int tokenFd = why == Stop::None ? cancel.cancelFd() : !killed ? cancel.killFd() : -2;
    if (tokenFd >= 0)
      fds[n++] = {tokenFd, POLLIN, 0};
    blind = tokenFd == -1;

    Clock::time_point wake = why == Stop::None ? deadline : !killed ? killAt : never;
    Clock::duration wait = wake == never ? Clock::duration::max() : std::max(wake - now, {});
    if (pidfd < 0) {
      wait = std::min<Clock::duration>(wait, backoff);
      backoff = std::min<std::chrono::microseconds>(backoff * 3 / 2, std::chrono::milliseconds(5));
    }
    if (blind)
      wait = std::min<Clock::duration>(wait, std::chrono::milliseconds(20));
    timespec ts{};
    if (wait != Clock::duration::max()) {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
      ts.tv_sec = static_cast<time_t>(ns / 1000000000);
      ts.tv_nsec = static_cast<long>(ns % 1000000000);
    }
    ppoll(fds, n, wait == Clock::duration::max() ? nullptr : &ts, nullptr);
    if (pidfd >= 0 ? (fds[0].revents & (POLLIN | POLLHUP)) != 0 : exitedNoReap(pid))
      break;
  }
  if (pidfd >= 0)
    close(pidfd);
  return why;
}

} // namespace

ProcessResult run(const LaunchSpec &spec, const CancelToken &cancel) {
  ProcessResult r;
  Clock::time_point start = Clock::now();
  auto done = [&](Outcome outcome) {
    r.outcome = outcome;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (outcome == Outcome::FailedToStart)
      note(spec.logPath, r.error);
    return r;
  };
  if (cancel.canceled()) {
    r.error = "canceled";
    return done(Outcome::Canceled);
  }
  if (spec.argv.empty()) {
    r.error = "no command to run";
    return done(Outcome::FailedToStart);
  }
  if (!spec.workingDir.empty() && !fs::is_directory(spec.workingDir)) {
    r.error = "the working folder `" + spec.workingDir + "` does not exist";
    return done(Outcome::FailedToStart);
  }
  std::vector<std::string> env = detail::childEnvironment(spec);
  detail::Resolved exe =
      detail::resolveExecutable(spec.argv[0], detail::searchPath(env), spec.workingDir);
  if (exe.path.empty()) {
    r.error = exe.error;
    return done(Outcome::FailedToStart);
  }
  int log = -1;
  if (!spec.logPath.empty() && (log = openLog(spec.logPath, r.error)) < 0)
    return done(Outcome::FailedToStart);
  pid_t pid = detail::spawn(exe.path, spec.argv, env, spec.workingDir, log, r.error);
  if (log >= 0)
    close(log);
  if (pid < 0)
    return done(Outcome::FailedToStart);

  Stop why = awaitExit(pid, spec, cancel, start);
  kill(-pid, SIGKILL); // what the task left running in its group, as a container would
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    r.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);

  if (why == Stop::TimedOut) {
    r.error = "timed out after " + seconds(spec.timeoutSeconds);
    note(spec.logPath, r.error + "; stopped");
    return done(Outcome::TimedOut);
  }
  if (why == Stop::Canceled) {
    r.error = "canceled";
    note(spec.logPath, "canceled; stopped");
    return done(Outcome::Canceled);
  }
  return done(WIFSIGNALED(status) ? Outcome::Signaled : Outcome::Exited);
}

std::string describe(const ProcessResult &r) {
  switch (r.outcome) {
  case Outcome::Exited:
    return "exited with status " + std::to_string(r.exitCode);
  case Outcome::Signaled: {
    const char *name = sigabbrev_np(r.signal);
    return "killed by signal " + std::to_string(r.signal) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  case Outcome::TimedOut:
  case Outcome::Canceled:
  case Outcome::FailedToStart:
    return r.error;
  }
  return r.error;
}

} // namespace mlpc::runtime::process
