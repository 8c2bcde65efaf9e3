// The Python module that lets a KFP-style function (mlpc's Python-function
// components: `Input[Dataset]`, `Output[Model]`, `.path`, `.metadata`,
// return values for output parameters) run as a TFX component.
#pragma once

namespace mlpc::tfx {

// `components/mlpc_kfp.py` of the generated package.
extern const char *const kKfpAdapterModule;

} // namespace mlpc::tfx
