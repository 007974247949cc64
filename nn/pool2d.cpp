#include "nn/pool2d.h"

#include "nn/functional.h"

namespace revive::nn {

Pool2d::Pool2d(Mode mode, int kernel, int stride, int padding)
    : Module(mode == Mode::kMax ? "MaxPool2d" : "AvgPool2d"), mode_(mode) {
  params_.kernel = kernel;
  params_.stride = stride == 0 ? kernel : stride;
  params_.pad = padding;
  REVIVE_CHECK(kernel > 0 && stride >= 0 && padding >= 0 && 2 * padding <= kernel,
               type_name() << "(kernel " << kernel << ", stride " << stride << ", padding " << padding
                           << "): expected kernel > 0, stride >= 0 and 0 <= padding <= kernel / 2");
}

Tensor Pool2d::forward_impl(const Tensor& x) {
  const kernels::Pool2dParams& p = params_;
  REVIVE_CHECK(x.ndim() == 4 && x.dim(2) + 2 * p.pad >= p.kernel && x.dim(3) + 2 * p.pad >= p.kernel,
               type_name() << "(kernel " << p.kernel << ", padding " << p.pad
                           << "): expected input [N, C, H, W] at least as large as the window, got "
                           << shape_str(x.shape()));
  return mode_ == Mode::kMax ? F::max_pool2d(x, p) : F::avg_pool2d(x, p);
}

}  // namespace revive::nn
