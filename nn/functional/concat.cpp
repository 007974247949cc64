#include "core/autograd.h"
#include "kernels/concat.h"
#include "nn/functional.h"

namespace revive::nn::functional {

Tensor concat(const std::vector<Tensor>& xs) {
  Tensor y = kernels::concat_forward(xs);
  struct Part {
    Shape shape;
    Layout layout;
    bool needed;
  };
  std::vector<Part> parts;
  parts.reserve(xs.size());
  for (const Tensor& x : xs) parts.push_back({x.shape(), x.layout(), x.requires_grad()});
  record("concat", xs, y, [parts = std::move(parts)](const Tensor& dy) {
    std::vector<Tensor> dxs(parts.size());
    int64_t c_begin = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].needed) dxs[i] = kernels::concat_backward(dy, c_begin, parts[i].shape, parts[i].layout);
      c_begin += parts[i].shape[1];
    }
    return dxs;
  });
  return y;
}

}  // namespace revive::nn::functional
