// Operands that are views at element offsets not aligned to 16 bytes (a parameter arena packed
// without padding, a state dict's tensor inside a larger buffer): cuDNN, cuBLAS and the hand-written
// kernels must give what they give on aligned copies of the same values. The arena aligns its views
// (nn/parameter_arena.h), so models never produce these; other callers may.
#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"
#include "kernels/batch_norm.h"
#include "kernels/conv2d.h"
#include "kernels/linear.h"
#include "kernels/sgd_update.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

// The values of `t` (on the GPU) as a view starting `offset` floats into a larger device buffer.
Tensor misaligned(const Tensor& t, int64_t offset) {
  Tensor buffer = Tensor::zeros({t.numel() + offset + 3}, DType::kFloat32, Device::cuda());
  Tensor view = Tensor::view_of(buffer, offset, t.shape());
  view.copy_from(to_cuda(t));
  return view;
}

TEST(CudaMisaligned, ViewsAtOddOffsetsGiveTheAlignedResults) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Tensor x = random_tensor({4, 8, 10, 10}, 1), w = random_tensor({6, 8, 3, 3}, 2), b = random_tensor({6}, 3);
  Conv2dParams cp;
  cp.pad_h = cp.pad_w = 1;
  const Tensor y = conv2d_forward(to_cuda(x), to_cuda(w), to_cuda(b), cp);
  const Tensor dy = random_tensor(y.shape(), 4);
  const Tensor dx = conv2d_backward_data(to_cuda(dy), to_cuda(w), x.shape(), Layout::kPlain, cp);
  const Tensor lx = random_tensor({5, 33}, 5), lw = random_tensor({7, 33}, 6), lb = random_tensor({7}, 7);
  const Tensor ly = linear_forward(to_cuda(lx), to_cuda(lw), to_cuda(lb));
  const Tensor gamma = random_tensor({8}, 8, 0.5, 1.5), beta = random_tensor({8}, 9);
  const BatchNormForward bn = batch_norm_forward(to_cuda(x), to_cuda(gamma), to_cuda(beta), Tensor(), Tensor(), true,
                                                 0.1f, 1e-5f);
  for (int64_t offset : {1, 2, 3}) {
    SCOPED_TRACE("offset " + std::to_string(offset));
    // Convolutions may take another algorithm for unaligned operands: the tolerance of conv2d_test.
    EXPECT_ALLCLOSE(y, conv2d_forward(misaligned(x, offset), misaligned(w, offset), misaligned(b, offset), cp), 1e-4,
                    1e-4);
    EXPECT_ALLCLOSE(
        dx, conv2d_backward_data(misaligned(dy, offset), misaligned(w, offset), x.shape(), Layout::kPlain, cp), 1e-4,
        1e-4);
    EXPECT_ALLCLOSE(ly, linear_forward(misaligned(lx, offset), misaligned(lw, offset), misaligned(lb, offset)), 1e-4,
                    1e-4);
    const BatchNormForward m = batch_norm_forward(misaligned(x, offset), misaligned(gamma, offset),
                                                  misaligned(beta, offset), Tensor(), Tensor(), true, 0.1f, 1e-5f);
    EXPECT_ALLCLOSE(bn.y, m.y, 0, 0);  // the same kernels in the same order
    // The SGD update over an arena slice at an odd offset.
    Tensor param = random_tensor({1001}, 10), buf = Tensor::zeros({1001});
    const Tensor grad = random_tensor({1001}, 11);
    Tensor param_view = misaligned(param, offset), buf_view = misaligned(buf, offset);
    SgdUpdateParams h;
    h.lr = 0.1f;
    h.momentum = 0.9f;
    h.weight_decay = 1e-3f;
    Tensor aligned_param = to_cuda(param), aligned_buf = to_cuda(buf);
    sgd_update(aligned_param, aligned_buf, to_cuda(grad), h);
    sgd_update(param_view, buf_view, misaligned(grad, offset), h);
    EXPECT_ALLCLOSE(aligned_param, param_view, 0, 0);
  }
}

}  // namespace
}  // namespace revive::kernels
