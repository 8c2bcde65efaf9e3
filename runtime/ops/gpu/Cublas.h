// cuBLAS, loaded on first use with dlopen. Linking libcublas and libcublasLt
// (about 600 MB) into mlpc would cost every invocation, `mlpc check`
// included, some 70 ms of relocation at start-up; only a GPU task needs them.
#pragma once

#include <cublas_v2.h>

#include <string>

namespace mlpc::ops::gpu {

// True when libcublas could be loaded; otherwise `why` says why not.
bool cublasLoaded(std::string *why = nullptr);

// The cuBLAS calls the kernels use, through the loaded library. Each returns
// CUBLAS_STATUS_NOT_INITIALIZED when it could not be loaded.
cublasStatus_t blasCreate(cublasHandle_t *handle);
cublasStatus_t blasDestroy(cublasHandle_t handle);
cublasStatus_t blasDgemm(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                         int m, int n, int k, const double *alpha, const double *A, int lda,
                         const double *B, int ldb, const double *beta, double *C, int ldc);

} // namespace mlpc::ops::gpu
