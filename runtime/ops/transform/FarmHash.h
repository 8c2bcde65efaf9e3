// FarmHash Fingerprint64 (farmhashna::Hash64, the function TensorFlow's
// Fingerprint64 and tf.strings.to_hash_bucket_fast use), written from the
// published algorithm: a fixed, portable 64-bit hash of a byte string.
#pragma once

#include <cstdint>
#include <string_view>

namespace mlpc::ops::transform {

uint64_t fingerprint64(std::string_view bytes);

// tf.strings.to_hash_bucket_fast: fingerprint64(bytes) % buckets, taken as
// unsigned. `buckets` must be positive.
int64_t hashBucket(std::string_view bytes, int64_t buckets);

} // namespace mlpc::ops::transform
