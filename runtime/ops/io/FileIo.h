// Whole-file reads and all-or-nothing writes for the I/O ops. A writer
// fills a temporary file next to the target and renames it into place, so a
// reader sees either the old file or the complete new one, never a part.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace mlpc::ops::io {

// The file's bytes; OpError naming the path when it cannot be read.
std::string readFile(const std::string &path);

// A regular file mapped read-only into memory (no copy: the pages are the
// page cache's), or read into memory when it cannot be mapped (pipes,
// empty files). The writers in this library replace files by renaming, so
// a mapped file does not shrink under a reader; a file truncated by another
// program while it is being read is not supported.
class MappedFile {
public:
  explicit MappedFile(const std::string &path);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  std::string_view bytes() const { return bytes_; }

private:
  void *map_ = nullptr;
  size_t mapSize_ = 0;
  std::string copy_;
  std::string_view bytes_;
};

class AtomicFile {
public:
  // Creates `<path>.tmp-<pid>-<n>` in the target's folder; OpError naming
  // `path` when that is impossible (missing folder, no permission).
  explicit AtomicFile(std::string path);
  ~AtomicFile(); // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  void write(std::string_view bytes);
  // Flushes, syncs and renames the temporary file onto the target.
  void commit();
  const std::string &path() const { return path_; }

private:
  [[noreturn]] void fail(const char *what, int err);
  std::string path_;
  std::string tmp_;
  std::FILE *file_ = nullptr;
  bool committed_ = false;
};

// Creates the folder and its parents; OpError naming it on failure.
void makeDirectories(const std::string &dir);

} // namespace mlpc::ops::io
