// The runtime's child processes: exit statuses, logs, literal arguments, the
// environment, start failures, timeouts and cancellation (of whole process
// groups), Ctrl-C, concurrency, log tails and container argvs.
#include "runtime/process/Process.h"
#include "runtime/process/Spawn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <spawn.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace p = mlpc::runtime::process;
namespace fs = std::filesystem;
using Outcome = p::ProcessResult::Outcome;
using namespace std::chrono_literals;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string &path, const std::string &text, mode_t mode) {
  std::ofstream(path, std::ios::binary) << text;
  chmod(path.c_str(), mode);
}

// Runs `f` after `delay` on another thread; joined on destruction.
class Later {
public:
  Later(std::chrono::milliseconds delay, std::function<void()> f)
      : t_([delay, f = std::move(f)] {
          std::this_thread::sleep_for(delay);
          f();
        }) {}
  ~Later() { t_.join(); }

private:
  std::thread t_;
};

// True once `pid` is gone or a zombie (an orphan its new parent has not reaped).
bool processGone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    std::size_t close = stat.rfind(')');
    if (stat.empty() || (close != std::string::npos && stat.compare(close + 2, 1, "Z") == 0))
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

class ProcessTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mlpc-process-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string path(const std::string &name) const { return dir + "/" + name; }
  std::string log() const { return readFile(path("log.txt")); }

  p::ProcessResult run(std::vector<std::string> argv, p::LaunchSpec spec = {}) {
    spec.argv = std::move(argv);
    if (spec.logPath.empty())
      spec.logPath = path("log.txt");
    return p::run(spec, token);
  }

  std::string dir;
  p::CancelToken token;
};

TEST_F(ProcessTest, ExitStatuses) {
  p::ProcessResult r = run({"/bin/true"});
  EXPECT_EQ(r.outcome, Outcome::Exited);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_TRUE(r.ok());

  r = run({"sh", "-c", "exit 3"});
  EXPECT_EQ(r.outcome, Outcome::Exited);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(p::describe(r), "exited with status 3");

  r = run({"false"}); // found through PATH
  EXPECT_EQ(r.outcome, Outcome::Exited);
  EXPECT_EQ(r.exitCode, 1);
}

TEST_F(ProcessTest, KilledBySignal) {
  p::ProcessResult r = run({"sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(r.outcome, Outcome::Signaled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(p::describe(r), "killed by signal 9 (SIGKILL)");
}

TEST_F(ProcessTest, LogHoldsStdoutAndStderrInOrderAndIsAppended) {
  p::LaunchSpec spec;
  spec.logPath = path("tasks/a/log.txt"); // parent folders are created
  run({"sh", "-c", "echo out; echo err >&2; echo out2"}, spec);
  run({"sh", "-c", "echo second >&2"}, spec);
  EXPECT_EQ(readFile(spec.logPath), "out\nerr\nout2\nsecond\n");

  struct stat st {};
  ASSERT_EQ(stat(spec.logPath.c_str(), &st), 0);
  mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
}

TEST_F(ProcessTest, ArgumentsPassLiterally) {
  std::vector<std::string> args = {"a b",
                                   "it's",
                                   "\"quoted\"",
                                   "$(touch " + path("pwned1") + ")",
                                   "`touch " + path("pwned2") + "`",
                                   "line1\nline2",
                                   "*",
                                   "",
                                   "$HOME",
                                   "; exit 7",
                                   "> " + path("pwned3"),
                                   "\\n"};
  std::vector<std::string> argv = {"printf", "[%s]\\n"};
  std::string expected;
  for (const std::string &a : args) {
    argv.push_back(a);
    expected += "[" + a + "]\n";
  }
  p::ProcessResult r = run(argv);
  EXPECT_TRUE(r.ok()) << p::describe(r);
  EXPECT_EQ(log(), expected);
  EXPECT_FALSE(fs::exists(path("pwned1")));
  EXPECT_FALSE(fs::exists(path("pwned2")));
  EXPECT_FALSE(fs::exists(path("pwned3")));
}

TEST_F(ProcessTest, EnvironmentIsMinimalPlusTheSpec) {
  setenv("MLPC_TEST_UNLISTED", "leaked", 1);
  setenv("LC_MLPC_TEST", "kept", 1);
  p::LaunchSpec spec;
  spec.env = {{"FOO", "bar baz"}, {"HOME", "/custom/home"}, {"MULTI", "a\nb"}};
  EXPECT_TRUE(run({"env"}, spec).ok());
  std::string env = log();
  EXPECT_NE(env.find("\nFOO=bar baz\n"), std::string::npos) << env;
  EXPECT_NE(env.find("HOME=/custom/home\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("HOME=" + std::string(getenv("HOME") ? getenv("HOME") : "?") + "\n"),
            std::string::npos)
      << "overridden, not duplicated";
  EXPECT_NE(env.find("MULTI=a\nb\n"), std::string::npos);
  EXPECT_NE(env.find("LC_MLPC_TEST=kept\n"), std::string::npos);
  EXPECT_NE(env.find("PATH=" + std::string(getenv("PATH")) + "\n"), std::string::npos);
  EXPECT_EQ(env.find("MLPC_TEST_UNLISTED"), std::string::npos) << env;

  fs::remove(path("log.txt"));
  spec.inheritFullEnv = true;
  EXPECT_TRUE(run({"env"}, spec).ok());
  EXPECT_NE(log().find("MLPC_TEST_UNLISTED=leaked\n"), std::string::npos);
  EXPECT_NE(log().find("FOO=bar baz\n"), std::string::npos);
  unsetenv("MLPC_TEST_UNLISTED");
  unsetenv("LC_MLPC_TEST");
}

TEST_F(ProcessTest, TheChildsPathFindsTheCommand) {
  fs::create_directories(path("bin"));
  writeFile(path("bin/mytool"), "#!/bin/sh\necho mytool ran with \"$1\"\n", 0755);
  p::ProcessResult r = run({"mytool", "x y"});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);

  p::LaunchSpec spec;
  spec.env = {{"PATH", path("bin") + ":/usr/bin:/bin"}};
  r = run({"mytool", "x y"}, spec);
  EXPECT_TRUE(r.ok()) << p::describe(r);
  EXPECT_NE(log().find("mytool ran with x y\n"), std::string::npos) << log();
}

TEST_F(ProcessTest, FailuresToStartSayWhy) {
  p::ProcessResult r = run({"trainx-no-such-tool", "--epochs", "3"});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_EQ(r.error, "`trainx-no-such-tool`: no such executable in PATH");
  EXPECT_EQ(log(), "[mlpc] `trainx-no-such-tool`: no such executable in PATH\n");

  r = run({path("missing/tool")});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_EQ(r.error, "`" + path("missing/tool") + "`: no such file");

  writeFile(path("data.txt"), "not a program\n", 0644);
  r = run({path("data.txt")});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_NE(r.error.find("not executable"), std::string::npos) << r.error;

  r = run({dir});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_NE(r.error.find("is a directory"), std::string::npos) << r.error;

  // execvp would hand this to /bin/sh; commands never go through a shell.
  writeFile(path("noshebang"), "echo ran\n", 0755);
  r = run({path("noshebang")});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_NE(r.error.find("no #! line"), std::string::npos) << r.error;

  writeFile(path("badinterp"), "#!/no/such/interpreter\n", 0755);
  r = run({path("badinterp")});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_NE(r.error.find("#! line"), std::string::npos) << r.error;

  p::LaunchSpec spec;
  spec.workingDir = path("nowhere");
  r = run({"true"}, spec);
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_NE(r.error.find("does not exist"), std::string::npos) << r.error;

  r = run({});
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);

  spec = {};
  spec.logPath = path("data.txt/log.txt"); // a file where a folder should be
  r = run({"true"}, spec);
  EXPECT_EQ(r.outcome, Outcome::FailedToStart);
  EXPECT_NE(r.error.find("cannot open the log"), std::string::npos) << r.error;
}

TEST_F(ProcessTest, WorkingFolder) {
  fs::create_directories(path("wd"));
  writeFile(path("wd/local.sh"), "#!/bin/sh\npwd\n", 0755);
  p::LaunchSpec spec;
  spec.workingDir = path("wd");
  p::ProcessResult r = run({"./local.sh"}, spec); // relative to the working folder
  EXPECT_TRUE(r.ok()) << p::describe(r);
  EXPECT_EQ(log(), fs::canonical(path("wd")).string() + "\n");
}

TEST_F(ProcessTest, StdinIsEmpty) {
  p::LaunchSpec spec;
  spec.timeoutSeconds = 5;
  p::ProcessResult r = run({"cat"}, spec);
  EXPECT_TRUE(r.ok()) << p::describe(r);
  EXPECT_EQ(log(), "");
}

TEST_F(ProcessTest, TimeoutStopsTheCommand) {
  p::LaunchSpec spec;
  spec.timeoutSeconds = 0.3;
  p::ProcessResult r = run({"sleep", "30"}, spec);
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.error, "timed out after 0.3 s");
  EXPECT_GE(r.seconds, 0.3);
  EXPECT_LT(r.seconds, 3);
  EXPECT_EQ(log(), "[mlpc] timed out after 0.3 s; stopped\n");
}

TEST_F(ProcessTest, TimeoutStopsTheCommandsChildren) {
  p::LaunchSpec spec;
  spec.timeoutSeconds = 0.3;
  p::ProcessResult r = run({"sh", "-c", "sleep 30 & echo $! > " + path("pid") + "; wait"}, spec);
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_LT(r.seconds, 3);
  pid_t grandchild = std::atoi(readFile(path("pid")).c_str());
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(processGone(grandchild));
}

TEST_F(ProcessTest, WhatTheCommandLeavesRunningIsKilled) {
  // As in a container: when the command exits, its background processes go.
  p::ProcessResult r = run({"sh", "-c", "sleep 30 & echo $! > " + path("pid")});
  EXPECT_TRUE(r.ok());
  EXPECT_LT(r.seconds, 3);
  pid_t orphan = std::atoi(readFile(path("pid")).c_str());
  ASSERT_GT(orphan, 0);
  EXPECT_TRUE(processGone(orphan));
}

TEST_F(ProcessTest, TimeoutGivesTheCommandItsGraceThenKills) {
  p::LaunchSpec spec;
  spec.timeoutSeconds = 0.2;
  spec.killGraceSeconds = 0.3;
  p::ProcessResult r =
      run({"sh", "-c", "trap 'echo cleaning up; exit 0' TERM; sleep 30 & wait"}, spec);
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(log().find("cleaning up\n"), std::string::npos) << log();

  // Ignoring SIGTERM (the sleep inherits that) only lasts the grace period.
  fs::remove(path("log.txt"));
  r = run({"sh", "-c", "trap '' TERM; sleep 30"}, spec);
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.seconds, 0.5);
  EXPECT_LT(r.seconds, 2.5);
}

TEST_F(ProcessTest, KillCommandRunsOnlyWhenSigtermIsNotEnough) {
  p::LaunchSpec spec;
  spec.timeoutSeconds = 0.2;
  spec.killGraceSeconds = 0.2;
  spec.killArgv = {"sh", "-c", "echo kill command ran"};
  run({"sleep", "30"}, spec);
  EXPECT_EQ(log().find("kill command ran"), std::string::npos) << log();
  run({"sh", "-c", "trap '' TERM; sleep 30"}, spec);
  EXPECT_NE(log().find("kill command ran"), std::string::npos) << log();
}

TEST_F(ProcessTest, CancelFromAnotherThread) {
  Later later(200ms, [&] { token.cancel(); });
  p::ProcessResult r = run({"sh", "-c", "sleep 30 & echo $! > " + path("pid") + "; wait"});
  EXPECT_EQ(r.outcome, Outcome::Canceled);
  EXPECT_EQ(p::describe(r), "canceled");
  EXPECT_LT(r.seconds, 2.5);
  EXPECT_NE(log().find("[mlpc] canceled; stopped\n"), std::string::npos);
  EXPECT_TRUE(processGone(std::atoi(readFile(path("pid")).c_str())));
}

TEST_F(ProcessTest, CanceledTokenStartsNothing) {
  token.cancel();
  p::ProcessResult r = run({"touch", path("made")});
  EXPECT_EQ(r.outcome, Outcome::Canceled);
  EXPECT_FALSE(fs::exists(path("made")));
}

TEST_F(ProcessTest, KillNowSkipsTheGracePeriod) {
  p::LaunchSpec spec;
  spec.killGraceSeconds = 30;
  Later cancel(200ms, [&] { token.cancel(); });
  Later kill(500ms, [&] { token.killNow(); });
  p::ProcessResult r = run({"sh", "-c", "trap '' TERM; sleep 30"}, spec);
  EXPECT_EQ(r.outcome, Outcome::Canceled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.seconds, 0.4);
  EXPECT_LT(r.seconds, 3);
}

TEST_F(ProcessTest, TwentyAtOnce) {
  constexpr int kRuns = 20;
  std::vector<p::ProcessResult> results(kRuns);
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i)
    threads.emplace_back([&, i] {
      p::LaunchSpec spec;
      spec.argv = {"sh", "-c", "echo task $1; sleep 0.3; echo done $1 >&2; exit $1", "sh",
                   std::to_string(i)};
      spec.logPath = path("logs/" + std::to_string(i) + ".txt");
      results[i] = p::run(spec, token);
    });
  for (std::thread &t : threads)
    t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int i = 0; i < kRuns; ++i) {
    EXPECT_EQ(results[i].outcome, Outcome::Exited) << i;
    EXPECT_EQ(results[i].exitCode, i);
    std::string n = std::to_string(i);
    EXPECT_EQ(readFile(path("logs/" + n + ".txt")), "task " + n + "\ndone " + n + "\n");
  }
  EXPECT_LT(seconds, 3.0) << "they ran one after another";
}

TEST_F(ProcessTest, CancelStopsEveryConcurrentRun) {
  std::vector<p::ProcessResult> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      p::LaunchSpec spec;
      spec.argv = {"sleep", "30"};
      results[i] = p::run(spec, token);
    });
  std::this_thread::sleep_for(200ms);
  token.cancel();
  for (std::thread &t : threads)
    t.join();
  for (const p::ProcessResult &r : results) {
    EXPECT_EQ(r.outcome, Outcome::Canceled);
    EXPECT_LT(r.seconds, 2.5);
  }
}

TEST_F(ProcessTest, ChildrenGetOnlyStdio) {
  int leaky = open("/dev/null", O_RDONLY); // no O_CLOEXEC, as std::ofstream opens files
  ASSERT_GE(leaky, 3);
  // ls lists the shell's descriptors (`; true` keeps the shell from exec'ing ls).
  p::ProcessResult r = run({"sh", "-c", "ls /proc/$$/fd; true"});
  close(leaky);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(log(), "0\n1\n2\n");
}

TEST_F(ProcessTest, OwnProcessGroupAndDefaultSignals) {
  EXPECT_TRUE(
      run({"sh", "-c", "test \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ && echo own group"}).ok());
  EXPECT_EQ(log(), "own group\n");

  // What the runtime ignores or blocks, the task does not.
  fs::remove(path("log.txt"));
  auto previous = signal(SIGPIPE, SIG_IGN);
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  p::ProcessResult r = run({"sh", "-c", "yes | head -n 1"});
  EXPECT_EQ(log(), "y\n") << "SIGPIPE should end `yes` silently";
  p::LaunchSpec spec;
  spec.timeoutSeconds = 0.2;
  spec.killGraceSeconds = 5;
  r = run({"sleep", "30"}, spec);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_LT(r.seconds, 2);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  signal(SIGPIPE, previous);
}

TEST_F(ProcessTest, WaitingWithoutPidfd) {
  p::detail::disablePidfdForTesting = true;
  EXPECT_EQ(run({"sh", "-c", "exit 4"}).exitCode, 4);
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(run({"/bin/true"}).ok());
  p::LaunchSpec spec;
  spec.timeoutSeconds = 0.2;
  p::ProcessResult r = run({"sleep", "30"}, spec);
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_LT(r.seconds, 2);
  {
    Later later(200ms, [&] { token.cancel(); });
    r = run({"sleep", "30"});
  }
  EXPECT_EQ(r.outcome, Outcome::Canceled);
  EXPECT_LT(r.seconds, 2);
  p::detail::disablePidfdForTesting = false;
}

TEST(CancelTokenTest, SleepForEndsEarlyWhenCanceled) {
  p::CancelToken token;
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(token.sleepFor(0.05));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  Later later(100ms, [&] { token.cancel(); });
  start = std::chrono::steady_clock::now();
  EXPECT_FALSE(token.sleepFor(30));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(token.canceled());
  EXPECT_FALSE(token.killRequested());
}

// Test runners may start tests with SIGINT ignored, which a guard respects.
class InterruptTest : public ProcessTest {
protected:
  void SetUp() override {
    ProcessTest::SetUp();
    previousInt = signal(SIGINT, SIG_DFL);
    previousTerm = signal(SIGTERM, SIG_DFL);
  }
  void TearDown() override {
    signal(SIGINT, previousInt);
    signal(SIGTERM, previousTerm);
    ProcessTest::TearDown();
  }
  sighandler_t previousInt, previousTerm;
};

TEST_F(InterruptTest, CtrlCCancelsTheRunAndTheHandlerIsRestored) {
  struct sigaction before {
  }, after{};
  sigaction(SIGINT, nullptr, &before);
  std::atomic<int> seen{0};
  {
    p::InterruptGuard guard(token, [&](int sig, int count) {
      if (sig == SIGINT)
        seen = count;
    });
    Later ctrlC(200ms, [] { kill(getpid(), SIGINT); });
    p::ProcessResult r = run({"sleep", "30"});
    EXPECT_EQ(r.outcome, Outcome::Canceled);
    EXPECT_LT(r.seconds, 2.5);
  }
  EXPECT_TRUE(token.canceled());
  EXPECT_FALSE(token.killRequested());
  EXPECT_EQ(seen, 1);
  sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST_F(InterruptTest, IgnoredSignalsStayIgnored) {
  auto previous = signal(SIGHUP, SIG_IGN); // as under nohup
  {
    p::InterruptGuard guard(token);
    struct sigaction now {};
    sigaction(SIGHUP, nullptr, &now);
    EXPECT_EQ(now.sa_handler, SIG_IGN);
    sigaction(SIGINT, nullptr, &now);
    EXPECT_NE(now.sa_handler, SIG_IGN);
    EXPECT_NE(now.sa_handler, SIG_DFL);
  }
  EXPECT_FALSE(token.canceled());
  signal(SIGHUP, previous);
}

TEST_F(InterruptTest, SecondCtrlCKillsAtOnce) {
  p::InterruptGuard guard(token);
  p::LaunchSpec spec;
  spec.killGraceSeconds = 30;
  Later first(200ms, [] { kill(getpid(), SIGINT); });
  Later second(500ms, [] { kill(getpid(), SIGINT); });
  p::ProcessResult r = run({"sh", "-c", "trap '' TERM; sleep 30"}, spec);
  EXPECT_EQ(r.outcome, Outcome::Canceled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.seconds, 3);
  EXPECT_TRUE(token.killRequested());
}

// Not an InterruptTest: the dying child would leave the fixture's folder behind.
TEST(InterruptDeathTest, ThirdCtrlCEndsTheRuntime) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        signal(SIGINT, SIG_DFL);
        p::CancelToken t;
        p::InterruptGuard guard(t);
        for (int i = 0; i < 3; ++i) {
          kill(getpid(), SIGINT);
          std::this_thread::sleep_for(50ms);
        }
        std::this_thread::sleep_for(5s);
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGINT), "");
}

TEST_F(InterruptTest, OverlappingGuardsAllSeeSigterm) {
  p::CancelToken other;
  auto outer = std::make_unique<p::InterruptGuard>(token);
  { p::InterruptGuard inner(other); } // the outer guard still handles signals
  p::CancelToken third;
  p::InterruptGuard guard(third);
  kill(getpid(), SIGTERM);
  EXPECT_FALSE(third.sleepFor(5));
  EXPECT_FALSE(token.sleepFor(5));
  EXPECT_FALSE(other.canceled());
  outer.reset();
}

TEST(LogTailTest, LastLines) {
  std::string tmpl = (fs::temp_directory_path() / "mlpc-tail-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  std::string file = tmpl + "/log.txt";
  std::string all, last20, last5;
  for (int i = 0; i < 100; ++i) {
    char line[16];
    std::snprintf(line, sizeof line, "line %03d\n", i); // 9 bytes
    all += line;
    if (i >= 80)
      last20 += line;
    if (i >= 95)
      last5 += line;
  }
  writeFile(file, all, 0644);
  EXPECT_EQ(p::tailOfFile(file), last20);
  EXPECT_EQ(p::tailOfFile(file, 20, 50), last5) << "the cut line is dropped";
  EXPECT_EQ(p::tailOfFile(file, 0), "");
  EXPECT_EQ(p::tailOfFile(tmpl + "/missing"), "");

  writeFile(file, "a\nno newline at the end", 0644);
  EXPECT_EQ(p::tailOfFile(file), "a\nno newline at the end\n");
  writeFile(file, "epoch 1\n 10%\r 50%\r100%\r\ndone\r\n", 0644);
  EXPECT_EQ(p::tailOfFile(file), "epoch 1\n100%\ndone\n");
  writeFile(file, std::string(10000, 'x'), 0644);
  EXPECT_EQ(p::tailOfFile(file, 20, 100), std::string(100, 'x') + "\n");
  writeFile(file, "", 0644);
  EXPECT_EQ(p::tailOfFile(file), "");
  fs::remove_all(tmpl);
}

TEST(ContainerTest, DockerArgv) {
  std::vector<std::string> argv = p::containerArgv(
      "docker", "python:3.11", {"python", "-c", "print('a b')"},
      {"/runs/r1", "/runs/r1/tasks/../", "/cache"}, {{"A", "1"}, {"B", "x y"}}, "/runs/r1/tasks/t");
  ASSERT_GE(argv.size(), 6u);
  std::string name = argv[5];
  EXPECT_EQ(name.rfind("mlpc-", 0), 0u) << name;
  std::vector<std::string> expected = {"docker", "run", "--rm", "-i", "--name", name};
  if (getuid() != 0)
    expected.insert(expected.end(),
                    {"--user", std::to_string(getuid()) + ":" + std::to_string(getgid())});
  expected.insert(expected.end(), {"-v", "/runs/r1:/runs/r1", "-v", "/cache:/cache", "-e", "A=1",
                                   "-e", "B=x y", "-w", "/runs/r1/tasks/t", "--entrypoint",
                                   "python", "python:3.11", "-c", "print('a b')"});
  EXPECT_EQ(argv, expected);
  EXPECT_EQ(p::containerKillArgv(argv), (std::vector<std::string>{"docker", "kill", name}));

  std::vector<std::string> again = p::containerArgv("docker", "img", {"x"}, {}, {}, "");
  EXPECT_NE(again[5], name) << "names are unique";
  EXPECT_EQ(again.back(), "img");
}

// With a stand-in `docker` that ignores SIGTERM as a container's PID 1 does:
// the argv arrives intact, and a timeout runs `docker kill NAME`.
TEST_F(ProcessTest, ContainerRunAndKill) {
  fs::create_directories(path("bin"));
  writeFile(path("bin/docker"),
            "#!/bin/sh\nprintf '[%s]' \"$@\"; echo\n"
            "if [ \"$1\" = run ]; then trap '' TERM; sleep 30; fi\n",
            0755);
  p::LaunchSpec spec;
  spec.env = {{"PATH", path("bin") + ":/usr/bin:/bin"}};
  spec.argv = p::containerArgv("docker", "img:1", {"python", "-c", "print('a b')"}, {dir},
                               {{"A", "x y"}}, "");
  spec.killArgv = p::containerKillArgv(spec.argv);
  spec.timeoutSeconds = 0.2;
  spec.killGraceSeconds = 0.2;
  spec.logPath = path("log.txt");
  std::string name = spec.argv[5];
  p::ProcessResult r = p::run(spec, token);
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(r.signal, SIGKILL);
  std::string text = readFile(spec.logPath);
  EXPECT_NE(text.find("[-e][A=x y][--entrypoint][python][img:1][-c][print('a b')]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[kill][" + name + "]\n"), std::string::npos) << text;
}

TEST(ContainerTest, PodmanKeepsTheUsersIds) {
  std::vector<std::string> argv = p::containerArgv("podman", "img", {"run.sh"}, {}, {}, "");
  EXPECT_EQ(argv[0], "podman");
  bool keepId = std::find(argv.begin(), argv.end(), "--userns=keep-id") != argv.end();
  EXPECT_EQ(keepId, getuid() != 0);
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "--user"), argv.end());
  EXPECT_EQ(p::containerKillArgv(argv)[1], "kill");
}

TEST(ContainerTest, KillArgvOnlyForContainerArgvs) {
  EXPECT_TRUE(p::containerKillArgv({"sleep", "1"}).empty());
  EXPECT_TRUE(p::containerKillArgv({"docker", "run", "--rm", "img", "--name", "x"}).empty())
      << "a --name after the image belongs to the command";
}

TEST(ToolTest, FindsToolsInPath) {
  EXPECT_TRUE(p::toolExists("sh"));
  EXPECT_FALSE(p::toolExists("no-such-tool-mlpc"));
  std::string sh = p::findExecutable("sh");
  EXPECT_EQ(sh.substr(sh.size() - 3), "/sh");
  EXPECT_EQ(p::findExecutable("/bin/sh"), "/bin/sh");
  EXPECT_EQ(p::findExecutable(""), "");
}

// The per-spawn cost: spawn, wait and reap /bin/true 200 times. Not a test;
// run with --gtest_also_run_disabled_tests --gtest_filter='*SpawnCost*'.
TEST(ProcessBenchmark, DISABLED_SpawnCost) {
  p::CancelToken token;
  std::string tmpl = (fs::temp_directory_path() / "mlpc-bench-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  auto measure = [&](const char *what, bool log, bool pidfd) {
    p::detail::disablePidfdForTesting = !pidfd;
    p::LaunchSpec spec;
    spec.argv = {"/bin/true"};
    if (log)
      spec.logPath = tmpl + "/log.txt";
    constexpr int kRuns = 200;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i)
      ASSERT_TRUE(p::run(spec, token).ok());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-32s %.3f ms per spawn\n", what, s * 1000 / kRuns);
  };
  measure("(warm-up)", true, true);
  measure("run(), log file, pidfd", true, true);
  measure("run(), no log, pidfd", false, true);
  measure("run(), log file, waitid polling", true, false);
  p::detail::disablePidfdForTesting = false;

  // The floor: bare posix_spawn + waitpid.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    pid_t pid;
    char *argv[] = {const_cast<char *>("/bin/true"), nullptr};
    ASSERT_EQ(posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ), 0);
    int status;
    waitpid(pid, &status, 0);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-32s %.3f ms per spawn\n", "bare posix_spawn + waitpid", s * 1000 / 200);
  fs::remove_all(tmpl);
}

} // namespace
