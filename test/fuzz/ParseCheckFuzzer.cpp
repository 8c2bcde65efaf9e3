// libFuzzer target: parse and type-check one .mlp file given as bytes.
//
// Each input is checked as the root file `fuzz.mlp` by a fresh Program,
// DiagnosticEngine and Checker, exactly as `mlpc check` does, and the
// diagnostics are then rendered (text and JSON) into a discarding stream so
// that the snippet printer is fuzzed too. Any crash, sanitizer report, leak or
// timeout is a bug: the compiler must turn every input into diagnostics.
//
// The formatter is fuzzed on the same input: whatever it accepts it must
// turn into text that it accepts again and leaves unchanged (idempotence),
// so a layout can never break code or flip between two forms.
//
// Like the `mlpc` driver (tools/mlpc.cpp), the work runs on a thread with a
// 512 MiB stack, so deeply nested input is judged against the stack the real
// compiler has, not libFuzzer's 8 MiB main thread.
//
// Build and run: scripts/fuzz.sh SECONDS (needs clang-14; -DMLPC_FUZZ=ON).
#include "frontend/diag/Diagnostic.h"
#include "frontend/diag/Render.h"
#include "frontend/format/Format.h"
#include "frontend/sema/Checker.h"
#include "frontend/sema/Program.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <pthread.h>
#include <streambuf>
#include <string>

namespace {

// An ostream that drops everything written to it.
class NullBuffer : public std::streambuf {
protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char *, std::streamsize n) override { return n; }
};

struct Input {
  const uint8_t *data;
  size_t size;
};

void checkOne(const Input &in) {
  mlpc::sema::Program program;
  mlpc::diag::DiagnosticEngine diags(program.sources);
  mlpc::sema::Checker checker(program, diags);
  checker.run("fuzz.mlp", std::string(reinterpret_cast<const char *>(in.data), in.size));

  NullBuffer buffer;
  std::ostream sink(&buffer);
  mlpc::diag::printDiagnostics(diags, sink, /*json=*/false, {/*color=*/false});
  mlpc::diag::printDiagnostics(diags, sink, /*json=*/true, {});

  mlpc::source::SourceManager sources;
  mlpc::diag::DiagnosticEngine formatDiags(sources);
  mlpc::source::FileId file =
      sources.add("fuzz.mlp", std::string(reinterpret_cast<const char *>(in.data), in.size));
  if (std::optional<std::string> once = mlpc::format::formatFile(file, sources, formatDiags)) {
    mlpc::source::FileId again = sources.add("formatted.mlp", *once);
    std::optional<std::string> twice = mlpc::format::formatFile(again, sources, formatDiags);
    if (!twice || *twice != *once) {
      std::fprintf(stderr, "mlpc fmt: %s\n--- formatted once:\n%s\n--- twice:\n%s\n",
                   twice ? "not idempotent" : "refused its own output", once->c_str(),
                   twice ? twice->c_str() : "");
      std::abort();
    }
  }
}

void *checkOnThread(void *arg) {
  checkOne(*static_cast<const Input *>(arg));
  return nullptr;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Input in{data, size};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512u << 20); // reserved, committed only when used
  pthread_t thread;
  if (pthread_create(&thread, &attr, checkOnThread, &in) != 0) {
    pthread_attr_destroy(&attr);
    checkOne(in); // no thread (resource limits): check on this one
    return 0;
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return 0;
}
