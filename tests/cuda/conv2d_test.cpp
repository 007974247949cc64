// cuDNN convolutions against the CPU (oneDNN, itself tested against the plain-loop reference):
// forward, backward data, backward weights (accumulating into a pre-filled gradient), with bias,
// grouped, depthwise, strided, padded, dilated, 1x1, one pixel and an empty batch. Convolutions:
// 1e-4 (the two libraries sum in different orders; TF32 is off by default).
#include "kernels/conv2d.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"
#include "kernels/device_runtime.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;
using testing::to_cuda;

struct Case {
  Shape x;
  int64_t K, R, S;
  Conv2dParams p;
  bool bias;
};

Conv2dParams params(int stride, int pad, int dilation, int groups) {
  Conv2dParams p;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  p.dilation_h = p.dilation_w = dilation;
  p.groups = groups;
  return p;
}

const std::vector<Case> kCases{
    {{2, 3, 8, 8}, 4, 3, 3, params(1, 1, 1, 1), true},     // a first layer
    {{1, 1, 1, 1}, 1, 1, 1, params(1, 0, 1, 1), true},     // one pixel
    {{3, 4, 7, 9}, 6, 3, 3, params(2, 1, 1, 2), false},    // grouped, strided, odd sizes
    {{2, 8, 6, 6}, 8, 3, 3, params(1, 1, 1, 8), false},    // depthwise
    {{2, 5, 9, 7}, 3, 1, 1, params(2, 0, 1, 1), true},     // 1x1 projection
    {{1, 2, 10, 10}, 3, 3, 3, params(1, 2, 2, 1), false},  // dilated
    {{0, 3, 5, 5}, 4, 3, 3, params(1, 1, 1, 1), true},     // empty batch
    {{4, 16, 16, 16}, 32, 3, 3, params(2, 1, 1, 1), false}};

Tensor weights(const Case& c, unsigned seed) { return random_tensor({c.K, c.x[1] / c.p.groups, c.R, c.S}, seed); }

TEST(CudaConv2d, ForwardMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 1;
  for (const Case& c : kCases) {
    const Tensor x = random_tensor(c.x, seed++), w = weights(c, seed++);
    const Tensor b = c.bias ? random_tensor({c.K}, seed++) : Tensor();
    const Tensor got = conv2d_forward(to_cuda(x), to_cuda(w), c.bias ? to_cuda(b) : Tensor(), c.p);
    EXPECT_TRUE(got.is_plain());
    EXPECT_ALLCLOSE(conv2d_forward(x, w, b, c.p, Layout::kPlain), got, 1e-4, 1e-4) << shape_str(c.x);
  }
}

TEST(CudaConv2d, BackwardMatchesCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  unsigned seed = 101;
  for (const Case& c : kCases) {
    const Tensor x = random_tensor(c.x, seed++), w = weights(c, seed++);
    const Conv2dShape s = conv2d_shape(c.x, w.shape(), c.p);
    const Tensor dy = random_tensor({s.N, s.K, s.P, s.Q}, seed++);
    EXPECT_ALLCLOSE(conv2d_backward_data(dy, w, c.x, Layout::kPlain, c.p),
                    conv2d_backward_data(to_cuda(dy), to_cuda(w), c.x, Layout::kPlain, c.p), 1e-4, 1e-4)
        << shape_str(c.x);
    // Pre-filled gradients: the backward adds (+=).
    Tensor dw = Tensor::full(w.shape(), 0.5f), db = Tensor::full({c.K}, -0.25f);
    Tensor dw_cuda = to_cuda(dw), db_cuda = to_cuda(db);
    conv2d_backward_weights(dw, c.bias ? &db : nullptr, x, dy, c.p);
    conv2d_backward_weights(dw_cuda, c.bias ? &db_cuda : nullptr, to_cuda(x), to_cuda(dy), c.p);
    EXPECT_ALLCLOSE(dw, dw_cuda, 1e-4, 1e-4) << shape_str(c.x);
    EXPECT_ALLCLOSE(db, db_cuda, 1e-4, 1e-4) << shape_str(c.x);
  }
}

// Deterministic mode: the same inputs give bit-identical weight gradients run after run.
TEST(CudaConv2d, DeterministicModeRepeatsBitForBit) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const CudaOptions saved = cuda_options();
  CudaOptions o = saved;
  o.deterministic = true;
  set_cuda_options(o);
  const Case& c = kCases.back();
  const Tensor x = to_cuda(random_tensor(c.x, 1)), w = to_cuda(weights(c, 2));
  const Conv2dShape s = conv2d_shape(c.x, w.shape(), c.p);
  const Tensor dy = to_cuda(random_tensor({s.N, s.K, s.P, s.Q}, 3));
  std::vector<std::vector<float>> runs;
  for (int i = 0; i < 3; ++i) {
    Tensor dw = Tensor::zeros(w.shape(), DType::kFloat32, Device::cuda());
    conv2d_backward_weights(dw, nullptr, x, dy, c.p);
    runs.push_back(dw.to_vector<float>());
    runs.push_back(conv2d_backward_data(dy, w, c.x, Layout::kPlain, c.p).to_vector<float>());
  }
  set_cuda_options(saved);
  for (size_t i = 2; i < runs.size(); ++i) EXPECT_EQ(runs[i % 2], runs[i]) << "run " << i / 2;
}

// Timed algorithm selection (cudnnFind) must give the same results as the heuristics' choice.
TEST(CudaConv2d, BenchmarkedAlgorithmsMatchCpu) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const CudaOptions saved = cuda_options();
  CudaOptions o = saved;
  o.benchmark_algorithms = true;
  set_cuda_options(o);
  const Case& c = kCases.front();
  const Tensor x = random_tensor(c.x, 5), w = weights(c, 6), b = random_tensor({c.K}, 7);
  const Tensor got = conv2d_forward(to_cuda(x), to_cuda(w), to_cuda(b), c.p);
  const Conv2dShape s = conv2d_shape(c.x, w.shape(), c.p);
  const Tensor dy = random_tensor({s.N, s.K, s.P, s.Q}, 8);
  Tensor dw = Tensor::full(w.shape(), 1.0f), dw_cuda = to_cuda(dw);
  conv2d_backward_weights(dw, nullptr, x, dy, c.p);
  conv2d_backward_weights(dw_cuda, nullptr, to_cuda(x), to_cuda(dy), c.p);
  set_cuda_options(saved);
  EXPECT_ALLCLOSE(conv2d_forward(x, w, b, c.p, Layout::kPlain), got, 1e-4, 1e-4);
  EXPECT_ALLCLOSE(dw, dw_cuda, 1e-4, 1e-4);  // the timing runs wrote a scratch buffer, not dw
}

TEST(CudaConv2d, CudaOutputsAreAlwaysPlain) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Case& c = kCases.front();
  EXPECT_THROW(conv2d_forward(to_cuda(random_tensor(c.x, 1)), to_cuda(weights(c, 2)), Tensor(), c.p,
                              Layout::kBlocked8),
               Error);
}

}  // namespace
}  // namespace revive::kernels
