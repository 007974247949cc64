// Autograd through F::conv2d and F::linear: the gradients the engine delivers equal the kernels'
// own backward passes, only needed gradients are computed, layouts are kept, and nothing is
// recorded under NoGradGuard.
#include <gtest/gtest.h>

#include <vector>

#include "core/autograd.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/layout.h"
#include "kernels/linear.h"
#include "nn/functional.h"
#include "support/allclose.h"
#include "support/gradcheck.h"

namespace revive {
namespace {

constexpr double kTol = 1e-6;

// Autograd hands a conv's backward the gradient in y's layout, the direct calls below a plain one:
// two route keys, each of which could be measured onto another route (Winograd rounds
// differently). One fixed rule for both keeps this a test of the wiring.
struct DirectRoutes {
  DirectRoutes() {
    kernels::cpu::reset_conv_routes();
    kernels::cpu::set_conv_route_mode(kernels::cpu::ConvRouteMode::kDirect);
  }
  ~DirectRoutes() {
    kernels::cpu::reset_conv_routes();
    kernels::cpu::set_conv_route_mode(kernels::cpu::ConvRouteMode::kAuto);
  }
};

Tensor random_tensor(const Shape& shape, unsigned seed, Layout layout = Layout::kPlain) {
  const testing::Vec v = testing::random_vec(static_cast<size_t>(shape_numel(shape)), seed);
  const Tensor t = Tensor::from_vector<float>(std::vector<float>(v.begin(), v.end()), shape);
  return layout == Layout::kPlain ? t : kernels::to_layout(t, layout);
}

Tensor param(const Shape& shape, unsigned seed) { return random_tensor(shape, seed).set_requires_grad(true); }

// L = sum(r * y), recorded by hand (reductions are another unit's ops); dL/dy = r in y's layout.
Tensor project(const Tensor& y, const Tensor& r_plain) {
  const Tensor y_plain = y.ndim() == 4 ? kernels::to_plain(y) : y;
  const std::vector<float> yv = y_plain.to_vector<float>(), rv = r_plain.to_vector<float>();
  double sum = 0;
  for (size_t i = 0; i < yv.size(); ++i) sum += static_cast<double>(yv[i]) * rv[i];
  Tensor loss = Tensor::from_vector<float>({static_cast<float>(sum)}, {1});
  const Tensor r = y.ndim() == 4 ? kernels::to_layout(r_plain, y.layout()) : r_plain;
  record("project", {y}, loss, [r](const Tensor&) { return std::vector<Tensor>{r}; });
  return loss;
}

kernels::Conv2dParams stride_pad(int stride, int pad) {
  kernels::Conv2dParams p;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  return p;
}

TEST(FunctionalConv2d, GradientsEqualTheKernels) {
  const DirectRoutes direct;
  for (Layout xl : {Layout::kPlain, Layout::kBlocked8}) {
    SCOPED_TRACE(layout_name(xl));
    const kernels::Conv2dParams p = stride_pad(2, 1);
    Tensor x = random_tensor({2, 8, 7, 7}, 1, xl).set_requires_grad(true);
    Tensor w = param({16, 8, 3, 3}, 2), b = param({16}, 3);
    const Tensor y = F::conv2d(x, w, b, p);
    EXPECT_EQ(y.layout(), kernels::preferred_layout());
    const Tensor r = random_tensor(y.shape(), 4);
    project(y, r).backward();

    const Tensor dx = kernels::conv2d_backward_data(r, w, x.shape(), xl, p);
    Tensor dw = Tensor::zeros(w.shape()), db = Tensor::zeros(b.shape());
    kernels::conv2d_backward_weights(dw, &db, x, r, p);
    ASSERT_TRUE(x.grad().defined());
    EXPECT_EQ(x.grad().layout(), xl);
    EXPECT_ALLCLOSE(dx, x.grad(), kTol, kTol);
    EXPECT_ALLCLOSE(dw, w.grad(), kTol, kTol);
    EXPECT_ALLCLOSE(db, b.grad(), kTol, kTol);
  }
}

TEST(FunctionalConv2d, FirstLayerComputesOnlyWeightGradientsAndChains) {
  const DirectRoutes direct;
  // conv -> conv with a plain input that needs no gradient, as at the start of a network.
  const Tensor x = random_tensor({2, 1, 6, 6}, 11);
  Tensor w1 = param({8, 1, 3, 3}, 12), w2 = param({8, 8, 3, 3}, 13);
  const Tensor h = F::conv2d(x, w1, Tensor(), stride_pad(1, 1));
  const Tensor y = F::conv2d(h, w2, Tensor(), stride_pad(1, 1));
  const Tensor r = random_tensor(y.shape(), 14);
  project(y, r).backward();

  EXPECT_FALSE(x.grad().defined());
  const Tensor dh = kernels::conv2d_backward_data(r, w2, h.shape(), h.layout(), stride_pad(1, 1));
  Tensor dw1 = Tensor::zeros(w1.shape()), dw2 = Tensor::zeros(w2.shape());
  kernels::conv2d_backward_weights(dw2, nullptr, h, r, stride_pad(1, 1));
  kernels::conv2d_backward_weights(dw1, nullptr, x, dh, stride_pad(1, 1));
  EXPECT_ALLCLOSE(dw2, w2.grad(), kTol, kTol);
  EXPECT_ALLCLOSE(dw1, w1.grad(), kTol, kTol);
}

TEST(FunctionalLinear, GradientsEqualTheKernels) {
  Tensor x = param({5, 12}, 21), w = param({3, 12}, 22), b = param({3}, 23);
  const Tensor y = F::linear(x, w, b);
  const Tensor r = random_tensor(y.shape(), 24);
  project(y, r).backward();

  Tensor dw = Tensor::zeros(w.shape()), db = Tensor::zeros(b.shape());
  kernels::linear_backward_weights(dw, &db, x, r);
  EXPECT_ALLCLOSE(kernels::linear_backward_data(r, w), x.grad(), kTol, kTol);
  EXPECT_ALLCLOSE(dw, w.grad(), kTol, kTol);
  EXPECT_ALLCLOSE(db, b.grad(), kTol, kTol);
}

TEST(FunctionalLinear, GradientsAccumulateOverBackwardCalls) {
  Tensor w = param({3, 4}, 31);
  const Tensor x = random_tensor({2, 4}, 32), r = random_tensor({2, 3}, 33);
  for (int i = 0; i < 2; ++i) project(F::linear(x, w, Tensor()), r).backward();
  Tensor dw = Tensor::zeros(w.shape());
  kernels::linear_backward_weights(dw, nullptr, x, r);
  kernels::linear_backward_weights(dw, nullptr, x, r);
  EXPECT_ALLCLOSE(dw, w.grad(), kTol, kTol);
}

TEST(FunctionalConvLinear, NothingIsRecordedUnderNoGrad) {
  Tensor x = param({1, 3, 5, 5}, 41), w = param({4, 3, 3, 3}, 42);
  Tensor xl = param({2, 6}, 43), wl = param({4, 6}, 44);
  NoGradGuard no_grad;
  const Tensor y = F::conv2d(x, w, Tensor(), stride_pad(1, 1));
  const Tensor z = F::linear(xl, wl, Tensor());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_FALSE(y.grad_fn());
  EXPECT_FALSE(z.requires_grad());
  EXPECT_FALSE(z.grad_fn());
}

}  // namespace
}  // namespace revive
