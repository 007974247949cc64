// Max and average pooling over R x S windows: y[n,c,p,q] = max / mean over the window at
// (p*stride - pad, q*stride - pad). Average counts padding (PyTorch count_include_pad=True).
#pragma once

#include "core/tensor.h"

namespace revive::kernels {

struct Pool2dParams {
  int kernel = 2;
  int stride = 2;
  int pad = 0;
};

}  // namespace revive::kernels
