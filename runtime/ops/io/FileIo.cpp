#include "runtime/ops/io/FileIo.h"

#include "runtime/ops/Table.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mlpc::ops::io {

namespace {
std::string reason(int err) { return std::strerror(err); }
} // namespace

std::string readFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw OpError("cannot open `" + path + "`: " + reason(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    throw OpError("cannot read `" + path + "`: " + reason(err));
  }
  std::string data;
  // One read for a regular file; pipes and growing files read until EOF.
  data.resize(static_cast<size_t>(st.st_size > 0 ? st.st_size : 0));
  size_t have = 0;
  for (;;) {
    if (have == data.size())
      data.resize(data.size() < 65536 ? 65536 : data.size() * 2);
    ssize_t n = ::read(fd, &data[have], data.size() - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw OpError("cannot read `" + path + "`: " + reason(err));
    }
    if (n == 0)
      break;
    have += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(have);
  return data;
}

MappedFile::MappedFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw OpError("cannot open `" + path + "`: " + reason(errno));
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    size_t size = static_cast<size_t>(st.st_size);
    void *p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED) {
      ::close(fd);
      map_ = p;
      mapSize_ = size;
      bytes_ = std::string_view(static_cast<const char *>(p), size);
      return;
    }
  }
  ::close(fd);
  copy_ = readFile(path);
  bytes_ = copy_;
}

MappedFile::~MappedFile() {
  if (map_)
    ::munmap(map_, mapSize_);
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<unsigned> counter{0};
  tmp_ = path_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw OpError("cannot write `" + path_ + "`: " + reason(errno));
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp_.c_str());
    throw OpError("cannot write `" + path_ + "`: " + reason(err));
  }
}

AtomicFile::~AtomicFile() {
  if (file_)
    std::fclose(file_);
  if (!committed_)
    ::unlink(tmp_.c_str());
}

void AtomicFile::fail(const char *what, int err) {
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  ::unlink(tmp_.c_str());
  throw OpError(std::string("cannot ") + what + " `" + path_ + "`: " + reason(err));
}

void AtomicFile::write(std::string_view bytes) {
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    fail("write", errno ? errno : EIO);
}

void AtomicFile::commit() {
  // Disk-full errors often surface only when the buffer is flushed.
  if (std::fflush(file_) != 0)
    fail("write", errno);
  if (::fsync(::fileno(file_)) != 0 && errno != EINVAL)
    fail("write", errno);
  std::FILE *f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0)
    fail("write", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    fail("write", errno);
  committed_ = true;
}

void makeDirectories(const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw OpError("cannot create the folder `" + dir + "`: " + ec.message());
}

} // namespace mlpc::ops::io
