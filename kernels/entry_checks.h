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

// Classifier outputs: logits float32 [N, K] (plain) and labels int64 [N] with values in [0, K).
// Names the first label out of range.
inline void check_logits_and_labels(const Tensor& logits, const Tensor& labels, const char* op) {
  check_cpu_float(logits, op, "logits");
  REVIVE_CHECK(logits.ndim() == 2 && logits.is_plain() && logits.dim(1) > 0,
               op << ": logits must be plain [N, K] with K >= 1, got " << shape_str(logits.shape()));
  REVIVE_CHECK(labels.defined() && labels.device().is_cpu(), op << ": labels must be a CPU tensor");
  REVIVE_CHECK(labels.dtype() == DType::kInt64, op << ": labels must be int64, got " << dtype_name(labels.dtype()));
  REVIVE_CHECK(labels.shape() == Shape{logits.dim(0)}, op << ": labels " << shape_str(labels.shape())
                                                           << " do not match logits " << shape_str(logits.shape())
                                                           << " (expected [" << logits.dim(0) << "])");
  const int64_t* l = labels.data<int64_t>();
  const int64_t K = logits.dim(1);
  for (int64_t n = 0; n < labels.numel(); ++n) {
    REVIVE_CHECK(l[n] >= 0 && l[n] < K, op << ": labels[" << n << "] = " << l[n] << " is outside [0, " << K << ")");
  }
}

}  // namespace revive::kernels
