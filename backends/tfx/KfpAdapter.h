// The Python modules that let a KFP-style function (mlpc's Python-function
// components: `Input[Dataset]`, `Output[Model]`, `.path`, `.metadata`,
// return values for output parameters) run as a TFX component.
#pragma once

namespace mlpc::tfx {

// `components/mlpc_kfp.py`: KFP's conventions, the module `mlpc run` uses
// too (support/python/mlpc_kfp.py, embedded at build time).
const char *kfpConventionsModule();

// `components/mlpc_tfx_adapter.py`: calls such a function with TFX's
// artifacts and returns TFX's outputs.
extern const char *const kTfxAdapterModule;

} // namespace mlpc::tfx
