// Ctrl-C for a whole run. The signal handler only writes the signal number to
// a self-pipe (async-signal-safe); a watcher thread reads it and cancels the
// tokens, which wakes every run() waiting on a child.
#pragma once

#include "runtime/process/CancelToken.h"

#include <functional>

namespace mlpc::runtime::process {

// While alive, SIGINT, SIGTERM and SIGHUP:
//   1st: cancel the token (children get SIGTERM, then SIGKILL after their grace);
//   2nd: killNow() (SIGKILL to every child at once);
//   3rd: the default action for that signal (the runtime dies).
// A signal the runtime was started with ignored (nohup, background jobs)
// stays ignored. Guards may overlap (several runs in one process): a signal
// goes to every live guard's token. The previous handlers are restored when
// the last guard goes. `onSignal(signal, count)` runs on the watcher thread,
// e.g. to print "stopping tasks; Ctrl-C again to kill them now".
class InterruptGuard {
public:
  explicit InterruptGuard(CancelToken &token,
                          std::function<void(int signal, int count)> onSignal = {});
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard &) = delete;
  InterruptGuard &operator=(const InterruptGuard &) = delete;

private:
  CancelToken &token_;
};

} // namespace mlpc::runtime::process
