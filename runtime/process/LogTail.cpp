// The end of a task's log, for failure reports.
#include "runtime/process/Process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mlpc::runtime::process {
namespace {

// What a terminal shows of a line that redraws itself with '\r' (progress
// bars): the text after the last carriage return.
std::string asShown(std::string line) {
  while (!line.empty() && line.back() == '\r')
    line.pop_back();
  std::size_t cr = line.rfind('\r');
  return cr == std::string::npos ? line : line.substr(cr + 1);
}

} // namespace

std::string tailOfFile(const std::string &path, std::size_t maxLines, std::size_t maxBytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return "";
  struct stat st {};
  std::string text;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    off_t from = st.st_size > static_cast<off_t>(maxBytes) ? st.st_size - maxBytes : 0;
    text.resize(static_cast<std::size_t>(st.st_size - from));
    ssize_t n = pread(fd, text.data(), text.size(), from);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (from > 0) { // the first line is cut: drop it, unless it is all there is
      std::size_t nl = text.find('\n');
      if (nl != std::string::npos && nl + 1 < text.size())
        text.erase(0, nl + 1);
    }
  }
  close(fd);

  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string::npos ? text.size() : nl;
    lines.push_back(asShown(text.substr(start, end - start)));
    start = end + 1;
  }
  std::string out;
  std::size_t first = lines.size() > maxLines ? lines.size() - maxLines : 0;
  for (std::size_t i = first; i < lines.size(); ++i)
    out += lines[i] + "\n";
  return out;
}

} // namespace mlpc::runtime::process
