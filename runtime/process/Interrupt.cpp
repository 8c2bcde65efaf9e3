#include "runtime/process/Interrupt.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace mlpc::runtime::process {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// The self-pipe: made once and never closed, so a handler running on some
// thread while the last guard goes away still writes to a valid descriptor.
int selfPipe[2] = {-1, -1};
std::once_flag selfPipeOnce;

void signalHandler(int sig) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(sig);
  ssize_t n = write(selfPipe[1], &byte, 1); // non-blocking: a full pipe drops extras
  (void)n;
  errno = saved;
}

struct Entry {
  CancelToken *token;
  std::function<void(int, int)> onSignal;
};

// Process-wide: signal dispositions are process-wide too.
struct Registry {
  std::mutex lifecycle; // guard construction and destruction, held across join
  std::mutex entriesMutex;
  std::vector<Entry> entries;
  int count = 0; // signals since the first guard was installed
  struct sigaction previous[std::size(kSignals)];
  bool installed[std::size(kSignals)] = {};
  std::thread watcher;
  int stopFd = -1;
};

Registry &registry() {
  static Registry *r = new Registry; // never destroyed: no joinable thread at exit
  return *r;
}

void handle(Registry &reg, int sig) {
  int count;
  std::vector<Entry> entries;
  {
    std::lock_guard<std::mutex> lock(reg.entriesMutex);
    count = ++reg.count;
    for (Entry &e : reg.entries) {
      if (count == 1)
        e.token->cancel();
      else
        e.token->killNow();
    }
    entries = reg.entries;
  }
  if (count >= 3) { // the runtime itself seems stuck: let the signal end it
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  for (Entry &e : entries)
    if (e.onSignal)
      e.onSignal(sig, count);
}

void watch(Registry &reg, int stopFd) {
  while (true) {
    pollfd fds[2] = {{selfPipe[0], POLLIN, 0}, {stopFd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[1].revents)
      return;
    unsigned char buf[16];
    ssize_t n = read(selfPipe[0], buf, sizeof buf);
    for (ssize_t i = 0; i < n; ++i)
      handle(reg, buf[i]);
  }
}

void drainSelfPipe() {
  unsigned char buf[64];
  while (read(selfPipe[0], buf, sizeof buf) > 0) {
  }
}

} // namespace

InterruptGuard::InterruptGuard(CancelToken &token, std::function<void(int, int)> onSignal)
    : token_(token) {
  std::call_once(selfPipeOnce, [] {
    if (pipe2(selfPipe, O_CLOEXEC | O_NONBLOCK) != 0)
      selfPipe[0] = selfPipe[1] = -1;
  });
  Registry &reg = registry();
  std::lock_guard<std::mutex> life(reg.lifecycle);
  bool first;
  {
    std::lock_guard<std::mutex> lock(reg.entriesMutex);
    first = reg.entries.empty();
    reg.entries.push_back({&token, std::move(onSignal)});
    if (first)
      reg.count = 0;
  }
  if (!first || selfPipe[0] < 0)
    return;
  drainSelfPipe(); // signals that came after the previous guard stopped watching
  reg.stopFd = eventfd(0, EFD_CLOEXEC);
  if (reg.stopFd < 0)
    return;
  reg.watcher = std::thread(watch, std::ref(reg), reg.stopFd);
  struct sigaction sa {};
  sa.sa_handler = signalHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    // An ignored signal stays ignored: `nohup mlpc run` must survive a hangup,
    // and a shell starts background jobs with SIGINT ignored.
    sigaction(kSignals[i], nullptr, &reg.previous[i]);
    reg.installed[i] = reg.previous[i].sa_handler != SIG_IGN;
    if (reg.installed[i])
      sigaction(kSignals[i], &sa, nullptr);
  }
}

InterruptGuard::~InterruptGuard() {
  Registry &reg = registry();
  std::lock_guard<std::mutex> life(reg.lifecycle);
  bool last;
  {
    std::lock_guard<std::mutex> lock(reg.entriesMutex);
    auto it = std::find_if(reg.entries.begin(), reg.entries.end(),
                           [&](const Entry &e) { return e.token == &token_; });
    if (it != reg.entries.end())
      reg.entries.erase(it);
    last = reg.entries.empty();
  }
  if (!last || !reg.watcher.joinable())
    return;
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    if (reg.installed[i])
      sigaction(kSignals[i], &reg.previous[i], nullptr);
  std::uint64_t one = 1;
  ssize_t n = write(reg.stopFd, &one, sizeof one);
  (void)n;
  reg.watcher.join();
  close(reg.stopFd);
  reg.stopFd = -1;
}

} // namespace mlpc::runtime::process
