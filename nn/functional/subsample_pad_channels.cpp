#include "core/autograd.h"
#include "kernels/subsample_pad_channels.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor subsample_pad_channels(const Tensor& x, int stride, int pad_front, int pad_back) {
  const kernels::SubsamplePad p{stride, pad_front, pad_back};
  Tensor y = kernels::subsample_pad_channels_forward(x, p);
  record("subsample_pad_channels", {x}, y, [shape = x.shape(), layout = x.layout(), p](const Tensor& dy) {
    return std::vector<Tensor>{kernels::subsample_pad_channels_backward(dy, shape, layout, p)};
  });
  return y;
}

}  // namespace revive::nn::functional
