// Cancellation shared by every task of a run: the scheduler, worker threads
// and the Ctrl-C watcher hold the same token. Waiters poll its file
// descriptors, so a cancel wakes every running child's wait at once instead
// of being noticed at the next timer tick.
#pragma once

#include <atomic>

namespace mlpc::runtime::process {

class CancelToken {
public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken &) = delete;
  CancelToken &operator=(const CancelToken &) = delete;

  // Stops every run() using this token: SIGTERM to each child's process
  // group, SIGKILL after its grace period. Thread-safe and async-signal-safe.
  void cancel();
  // cancel(), and SIGKILL now instead of after the grace period (a second Ctrl-C).
  void killNow();

  bool canceled() const { return canceled_.load(std::memory_order_acquire); }
  bool killRequested() const { return kill_.load(std::memory_order_acquire); }

  // Sleeps for `seconds` or until canceled, whichever comes first (retry
  // backoff). Returns false when canceled.
  bool sleepFor(double seconds) const;

  // Readable once canceled() / killRequested() (for poll); -1 when no
  // eventfd could be made, and waiters fall back to short timed polls.
  int cancelFd() const { return cancelFd_; }
  int killFd() const { return killFd_; }

private:
  std::atomic<bool> canceled_{false};
  std::atomic<bool> kill_{false};
  int cancelFd_ = -1;
  int killFd_ = -1;
};

} // namespace mlpc::runtime::process
