// REQUIRE_GPU() at the top of a GPU test: skips it, saying why, where no
// CUDA device can be used. With MLPC_REQUIRE_GPU=1 in the environment (set by
// scripts/gpu-check.sh on a GPU machine) a missing device fails the test
// instead, so a run meant to exercise the GPU cannot pass by skipping.
#pragma once

#include "runtime/ops/gpu/Device.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace mlpc::ops::test {

inline bool gpuRequired() {
  const char *v = std::getenv("MLPC_REQUIRE_GPU");
  return v && std::strcmp(v, "1") == 0;
}

} // namespace mlpc::ops::test

#define REQUIRE_GPU()                                                                              \
  do {                                                                                             \
    std::string why;                                                                               \
    if (!::mlpc::ops::gpu::available(&why)) {                                                      \
      if (::mlpc::ops::test::gpuRequired())                                                        \
        FAIL() << "MLPC_REQUIRE_GPU=1 but no GPU: " << why;                                        \
      GTEST_SKIP() << "no GPU: " << why;                                                           \
    }                                                                                              \
  } while (0)
