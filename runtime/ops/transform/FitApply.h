// fit and apply with a device copy handed from one to the other, for the
// one-step ops (fit + apply on the same table).
#pragma once

#include "runtime/ops/transform/Scaling.h"
#include "runtime/ops/transform/Transform.h"

namespace mlpc::ops::transform {

// fit; with `keep`, the z-score and 0-1 columns stay on the device.
pb::TransformGraph fitWith(const Table &t, const FitSpec &spec, const ExecOptions &exec,
                           DeviceCachePtr *keep);

// apply to `t`; a `cache` from fitWith on the same table saves the upload.
// With `owned` (== &t, a table the caller gives up) columns are moved
// rather than copied and float columns are scaled in place.
Table applyWith(const Table &t, Table *owned, const pb::TransformGraph &graph,
                const ExecOptions &exec, DeviceCache *cache);

} // namespace mlpc::ops::transform
