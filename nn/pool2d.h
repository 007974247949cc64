// Max and average pooling layers. They share their configuration and checks, and differ only in
// the op they run, so both live here.
#pragma once

#include "kernels/pool2d.h"
#include "nn/module.h"

namespace revive::nn {

/// kernel x kernel window pooling. Input [N, C, H, W] -> output [N, C, P, Q] with
/// P = (H + 2 padding - kernel) / stride + 1; same layout. stride 0 means stride = kernel
/// (PyTorch's default).
class Pool2d : public Module {
 public:
  enum class Mode { kMax, kAvg };

  const kernels::Pool2dParams& params() const { return params_; }
  Mode mode() const { return mode_; }

 protected:
  Pool2d(Mode mode, int kernel, int stride, int padding);

 private:
  Tensor forward_impl(const Tensor& x) override;

  Mode mode_;
  kernels::Pool2dParams params_;
};

/// The window maximum; the gradient goes to the first maximum (PyTorch's tie rule).
class MaxPool2d : public Pool2d {
 public:
  explicit MaxPool2d(int kernel, int stride = 0, int padding = 0) : Pool2d(Mode::kMax, kernel, stride, padding) {}
};

/// The window mean, padding counted as zeros (PyTorch count_include_pad = True).
class AvgPool2d : public Pool2d {
 public:
  explicit AvgPool2d(int kernel, int stride = 0, int padding = 0) : Pool2d(Mode::kAvg, kernel, stride, padding) {}
};

}  // namespace revive::nn
