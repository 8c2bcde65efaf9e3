// GZIP in memory (zlib), for TFRecord files written with compression, as
// TFX's ExampleGen writes them.
#pragma once

#include <string>
#include <string_view>

namespace mlpc::ops::io {

// True when the bytes start with the GZIP magic 1f 8b.
bool isGzip(std::string_view bytes);

// A GZIP stream compressed piece by piece. `level`: zlib's 1 (fastest) to 9
// (smallest), -1 its default (6).
class GzipCompressor {
public:
  explicit GzipCompressor(int level = -1);
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor &) = delete;
  GzipCompressor &operator=(const GzipCompressor &) = delete;
  // Compresses `in`, appending the output to `out`; `finish` ends the stream.
  void add(std::string_view in, bool finish, std::string &out);

private:
  void *stream_; // z_stream
};

std::string gzipCompress(std::string_view bytes, int level = -1);

// Every member of a GZIP stream, concatenated; OpError naming `source` when
// the data is corrupt or cut short.
std::string gzipDecompress(std::string_view bytes, const std::string &source);

} // namespace mlpc::ops::io
