#include "core/autograd.h"
#include "kernels/channel_shuffle.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor channel_shuffle(const Tensor& x, int groups) {
  Tensor y = kernels::channel_shuffle_forward(x, groups);
  record("channel_shuffle", {x}, y, [groups, layout = x.layout()](const Tensor& dy) {
    return std::vector<Tensor>{kernels::channel_shuffle_backward(dy, groups, layout)};
  });
  return y;
}

}  // namespace revive::nn::functional
