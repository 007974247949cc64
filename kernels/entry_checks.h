// Argument checks shared by the Tensor entry points of kernels/. STYLE.md: validate once, at the
// public entry point; the loops behind it assume valid input.
#pragma once

#include "core/tensor.h"

namespace revive::kernels {

// A defined float32 tensor on the CPU. Ops whose CUDA kernels do not exist yet say so here rather
// than reading device memory from host loops.
inline void check_cpu_float(const Tensor& t, const char* op, const char* arg) {
  REVIVE_CHECK(t.defined(), op << ": " << arg << " is undefined");
  REVIVE_CHECK(t.device().is_cpu(), op << ": the CUDA backend of this op is not built yet (" << arg << " is on "
                                       << t.device().str() << ")");
  REVIVE_CHECK(t.dtype() == DType::kFloat32, op << ": " << arg << " must be float32, got " << dtype_name(t.dtype()));
}

// As above, and 4-D [N, C, H, W].
inline void check_cpu_nchw(const Tensor& t, const char* op, const char* arg) {
  check_cpu_float(t, op, arg);
  REVIVE_CHECK(t.ndim() == 4, op << ": " << arg << " must be 4-D [N, C, H, W], got " << shape_str(t.shape()));
}

}  // namespace revive::kernels
