#include "runtime/ops/io/Gzip.h"

#include "runtime/ops/Table.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace mlpc::ops::io {

namespace {
constexpr int kGzipWindow = 15 + 16;   // 32 KiB window, GZIP header and trailer
constexpr size_t kMaxChunk = UINT_MAX; // zlib counts in uInt
} // namespace

bool isGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

GzipCompressor::GzipCompressor(int level) : stream_(new z_stream{}) {
  auto *z = static_cast<z_stream *>(stream_);
  if (deflateInit2(z, level, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    delete z;
    throw OpError("gzip: cannot start the compressor (invalid level or out of memory)");
  }
}

GzipCompressor::~GzipCompressor() {
  auto *z = static_cast<z_stream *>(stream_);
  deflateEnd(z);
  delete z;
}

void GzipCompressor::add(std::string_view in, bool finish, std::string &out) {
  auto *z = static_cast<z_stream *>(stream_);
  const auto *next = reinterpret_cast<const Bytef *>(in.data());
  size_t inLeft = in.size();
  for (;;) {
    if (z->avail_in == 0 && inLeft > 0) {
      z->next_in = const_cast<Bytef *>(next);
      z->avail_in = static_cast<uInt>(std::min(inLeft, kMaxChunk));
      next += z->avail_in;
      inLeft -= z->avail_in;
    }
    size_t used = out.size();
    size_t room = std::min<size_t>(std::max<size_t>(in.size() / 2, 65536), kMaxChunk);
    out.resize(used + room);
    z->next_out = reinterpret_cast<Bytef *>(&out[used]);
    z->avail_out = static_cast<uInt>(room);
    const bool lastInput = inLeft == 0;
    int rc = deflate(z, finish && lastInput ? Z_FINISH : Z_NO_FLUSH);
    out.resize(used + room - z->avail_out);
    if (rc == Z_STREAM_END)
      return;
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw OpError("gzip: compression failed");
    // Done with this piece once zlib has taken all input and had room left.
    if (!finish && lastInput && z->avail_in == 0 && z->avail_out > 0)
      return;
  }
}

std::string gzipCompress(std::string_view bytes, int level) {
  GzipCompressor gz(level);
  std::string out;
  gz.add(bytes, true, out);
  return out;
}

std::string gzipDecompress(std::string_view bytes, const std::string &source) {
  z_stream z{};
  if (inflateInit2(&z, kGzipWindow) != Z_OK)
    throw OpError(source + ": cannot start the GZIP decompressor (out of memory)");
  std::string out;
  out.resize(std::max<size_t>(bytes.size() * 4, 65536));
  size_t produced = 0;
  const auto *in = reinterpret_cast<const Bytef *>(bytes.data());
  size_t inLeft = bytes.size();
  for (;;) {
    if (z.avail_in == 0 && inLeft > 0) {
      z.next_in = const_cast<Bytef *>(in);
      z.avail_in = static_cast<uInt>(std::min(inLeft, kMaxChunk));
      in += z.avail_in;
      inLeft -= z.avail_in;
    }
    if (produced == out.size())
      out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef *>(&out[produced]);
    z.avail_out = static_cast<uInt>(std::min(out.size() - produced, kMaxChunk));
    uInt before = z.avail_out;
    int rc = inflate(&z, Z_NO_FLUSH);
    produced += before - z.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated members (as `cat a.gz b.gz` makes) are one stream.
      if (z.avail_in == 0 && inLeft == 0)
        break;
      inflateReset(&z);
      continue;
    }
    if (rc == Z_OK)
      continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && inLeft == 0) {
      inflateEnd(&z);
      throw OpError(source + ": the GZIP data is cut short after " + std::to_string(produced) +
                    " uncompressed bytes (the file is truncated)");
    }
    if (rc == Z_BUF_ERROR)
      continue; // output space was full
    std::string why = z.msg ? z.msg : "corrupt data";
    inflateEnd(&z);
    throw OpError(source + ": the GZIP data is corrupt after " + std::to_string(produced) +
                  " uncompressed bytes (" + why + ")");
  }
  inflateEnd(&z);
  out.resize(produced);
  return out;
}

} // namespace mlpc::ops::io
