#include "runtime/ops/gpu/Cublas.h"

#include <dlfcn.h>

#include <mutex>

namespace mlpc::ops::gpu {
namespace {

struct Library {
  void *handle = nullptr;
  std::string error;
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasDgemm_v2) dgemm = nullptr;
};

const Library &library() {
  static Library lib;
  static std::once_flag once;
  std::call_once(once, [] {
    lib.handle = dlopen(MLPC_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib.handle) {
      const char *e = dlerror();
      lib.error = std::string("cannot load " MLPC_CUBLAS_SONAME ": ") + (e ? e : "unknown error");
      return;
    }
    lib.create = reinterpret_cast<decltype(lib.create)>(dlsym(lib.handle, "cublasCreate_v2"));
    lib.destroy = reinterpret_cast<decltype(lib.destroy)>(dlsym(lib.handle, "cublasDestroy_v2"));
    lib.dgemm = reinterpret_cast<decltype(lib.dgemm)>(dlsym(lib.handle, "cublasDgemm_v2"));
    if (!lib.create || !lib.destroy || !lib.dgemm)
      lib.error = MLPC_CUBLAS_SONAME " lacks cublasCreate_v2, cublasDestroy_v2 or cublasDgemm_v2";
  });
  return lib;
}

} // namespace

bool cublasLoaded(std::string *why) {
  const Library &lib = library();
  if (lib.error.empty())
    return true;
  if (why)
    *why = lib.error;
  return false;
}

cublasStatus_t blasCreate(cublasHandle_t *handle) {
  return cublasLoaded() ? library().create(handle) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t blasDestroy(cublasHandle_t handle) {
  return cublasLoaded() ? library().destroy(handle) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t blasDgemm(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                         int m, int n, int k, const double *alpha, const double *A, int lda,
                         const double *B, int ldb, const double *beta, double *C, int ldc) {
  if (!cublasLoaded())
    return CUBLAS_STATUS_NOT_INITIALIZED;
  return library().dgemm(handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

} // namespace mlpc::ops::gpu
