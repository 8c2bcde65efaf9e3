#include "runtime/process/CancelToken.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace mlpc::runtime::process {

namespace {
void signalFd(int fd) {
  if (fd < 0)
    return;
  std::uint64_t one = 1;
  ssize_t n = write(fd, &one, sizeof one); // async-signal-safe
  (void)n;
}
} // namespace

CancelToken::CancelToken() {
  cancelFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  killFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

CancelToken::~CancelToken() {
  if (cancelFd_ >= 0)
    close(cancelFd_);
  if (killFd_ >= 0)
    close(killFd_);
}

// The eventfds are written once and never read, so they stay readable for
// every waiter (level-triggered).
void CancelToken::cancel() {
  if (!canceled_.exchange(true, std::memory_order_acq_rel))
    signalFd(cancelFd_);
}

void CancelToken::killNow() {
  if (!kill_.exchange(true, std::memory_order_acq_rel))
    signalFd(killFd_);
  cancel();
}

bool CancelToken::sleepFor(double seconds) const {
  using Clock = std::chrono::steady_clock;
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(std::max(0.0, seconds)));
  while (!canceled()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0)
      return true;
    if (cancelFd_ < 0) { // no eventfd: notice a cancel within 20 ms
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(20)));
      continue;
    }
    pollfd p{cancelFd_, POLLIN, 0};
    int ms = static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
    if (poll(&p, 1, ms) < 0 && errno != EINTR)
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(20)));
  }
  return false;
}

} // namespace mlpc::runtime::process
