// `mlpc fmt`: formats files in place, checks them, or formats stdin.
#include "frontend/format/Format.h"
#include "frontend/sema/Stdlib.h"
#include "tools/Driver.h"

#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <iterator>
#include <sys/stat.h>

namespace mlpc::driver {

namespace {

namespace fs = std::filesystem;

// Formats `text` read from `path`; nullopt (diagnostics printed) when it
// does not parse.
std::optional<std::string> formatText(const std::string &path, std::string text,
                                      const CompileOptions &options) {
  source::SourceManager sources;
  source::FileId file = sources.add(path, std::move(text));
  diag::DiagnosticEngine diags(sources);
  std::optional<std::string> formatted = format::formatFile(file, sources, diags);
  if (!formatted)
    diag::printDiagnostics(diags, std::cerr, options.json, {options.color});
  return formatted;
}

} // namespace

int runFormat(const std::vector<std::string> &files, bool check, const CompileOptions &options) {
  int exit = kExitOk;
  unsigned wouldChange = 0;
  for (const std::string &path : files) {
    if (path == "-") {
      std::string text(std::istreambuf_iterator<char>(std::cin), {});
      std::optional<std::string> formatted = formatText("<stdin>", text, options);
      if (!formatted) {
        exit = kExitCompileError;
        continue;
      }
      if (check) {
        if (*formatted != text) {
          std::cout << "<stdin>\n";
          ++wouldChange;
        }
        continue;
      }
      std::cout << *formatted;
      continue;
    }
    std::string error;
    std::optional<std::string> text = sema::readSourceFile(path, error);
    if (!text) {
      std::cerr << fmt::format("error: cannot read `{}`: {}\n", path, error);
      exit = kExitCompileError;
      continue;
    }
    std::optional<std::string> formatted = formatText(path, *text, options);
    if (!formatted) {
      exit = kExitCompileError;
      continue;
    }
    if (*formatted == *text)
      continue;
    if (check) {
      std::cout << path << "\n";
      ++wouldChange;
      continue;
    }
    // Write through a link to the file it names, keeping the file's mode.
    std::error_code ec;
    fs::path target = fs::canonical(path, ec);
    struct stat st {};
    unsigned mode = !ec && ::stat(target.c_str(), &st) == 0 ? st.st_mode & 07777 : 0644;
    if (!writeFileAtomically(ec ? path : target.string(), *formatted, error, mode)) {
      std::cerr << fmt::format("error: cannot write `{}`: {}\n", path, error);
      exit = kExitCompileError;
    }
  }
  if (check && wouldChange) {
    std::cerr << fmt::format("{} file{} would be reformatted; run `mlpc fmt` on {}\n", wouldChange,
                             wouldChange == 1 ? "" : "s", wouldChange == 1 ? "it" : "them");
    if (exit == kExitOk)
      exit = kExitCompileError;
  }
  return exit;
}

} // namespace mlpc::driver
