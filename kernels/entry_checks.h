// Argument checks shared by the Tensor entry points of kernels/. STYLE.md: validate once, at the
// public entry point; the backends behind it (kernels/cpu, kernels/cuda) assume valid input.
#pragma once

#include "core/tensor.h"
#include "kernels/label_check.h"

namespace revive::kernels {

// A defined float32 tensor (on any device).
inline void check_float(const Tensor& t, const char* op, const char* arg) {
  REVIVE_CHECK(t.defined(), op << ": " << arg << " is undefined");
  REVIVE_CHECK(t.dtype() == DType::kFloat32, op << ": " << arg << " must be float32, got " << dtype_name(t.dtype()));
}

// As above, and 4-D [N, C, H, W].
inline void check_nchw(const Tensor& t, const char* op, const char* arg) {
  check_float(t, op, arg);
  REVIVE_CHECK(t.ndim() == 4, op << ": " << arg << " must be 4-D [N, C, H, W], got " << shape_str(t.shape()));
}

// For ops that have no CUDA path yet: a defined float32 tensor on the CPU, and a message saying
// so rather than host loops reading device memory.
inline void check_cpu_float(const Tensor& t, const char* op, const char* arg) {
  check_float(t, op, arg);
  REVIVE_CHECK(t.device().is_cpu(), op << ": the CUDA backend of this op is not built yet (" << arg << " is on "
                                       << t.device().str() << ")");
}

inline void check_cpu_nchw(const Tensor& t, const char* op, const char* arg) {
  check_cpu_float(t, op, arg);
  check_nchw(t, op, arg);
}

// Operands of one op live on one device.
inline void check_same_device(const Tensor& a, const Tensor& b, const char* op, const char* b_name) {
  REVIVE_CHECK(a.device() == b.device(), op << ": " << b_name << " is on " << b.device().str() << " but the input is on "
                                            << a.device().str() << "; move it with Tensor::to");
}

// Classifier outputs: logits float32 [N, K] (plain) and labels int64 [N] with values in [0, K), on
// the same device. Names the first label out of range when the labels are on the host; device
// labels are not read back (that would wait for the device): the CUDA softmax cross-entropy records
// a bad one for a later read-back instead (label_check.h).
inline void check_logits_and_labels(const Tensor& logits, const Tensor& labels, const char* op) {
  check_float(logits, op, "logits");
  REVIVE_CHECK(logits.ndim() == 2 && logits.is_plain() && logits.dim(1) > 0,
               op << ": logits must be plain [N, K] with K >= 1, got " << shape_str(logits.shape()));
  REVIVE_CHECK(labels.defined(), op << ": labels are undefined");
  check_same_device(logits, labels, op, "labels");
  REVIVE_CHECK(labels.dtype() == DType::kInt64, op << ": labels must be int64, got " << dtype_name(labels.dtype()));
  REVIVE_CHECK(labels.shape() == Shape{logits.dim(0)}, op << ": labels " << shape_str(labels.shape())
                                                           << " do not match logits " << shape_str(logits.shape())
                                                           << " (expected [" << logits.dim(0) << "])");
  if (!labels.device().is_cpu()) return;
  const int64_t* l = labels.data<int64_t>();
  const int64_t K = logits.dim(1);
  for (int64_t n = 0; n < labels.numel(); ++n) {
    REVIVE_CHECK(l[n] >= 0 && l[n] < K, bad_label_message(op, BadLabel{n, l[n], K}));
  }
}

}  // namespace revive::kernels
