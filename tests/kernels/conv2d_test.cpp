// Convolution: gradient checks of the reference loops in double, then the oneDNN entry points
// against the reference over a sweep of model-like shapes, input/output layouts and the empty batch.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/cpu/conv_route_table.h"
#include "kernels/layout.h"
#include "support/allclose.h"
#include "support/gradcheck.h"

namespace revive::kernels {
namespace {

using testing::Vec;

Conv2dParams make_params(int stride, int pad, int groups = 1) {
  Conv2dParams p;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  p.groups = groups;
  return p;
}

struct ConvCase {
  std::string name;
  int64_t N, C, H, W, K, R, S;
  Conv2dParams p;
  bool bias;

  Shape x_shape() const { return {N, C, H, W}; }
  Shape w_shape() const { return {K, C / p.groups, R, S}; }
  Conv2dShape shape() const { return conv2d_shape(x_shape(), w_shape(), p); }
  Shape y_shape() const {
    const Conv2dShape s = shape();
    return {s.N, s.K, s.P, s.Q};
  }
};

std::ostream& operator<<(std::ostream& os, const ConvCase& c) { return os << c.name; }
std::string case_name(const ::testing::TestParamInfo<ConvCase>& param) { return param.param.name; }

// ---------------------------------------------------------------------------------------------
// Gradient checks of the reference (double).

class ConvReferenceGradients : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvReferenceGradients, MatchFiniteDifferences) {
  const ConvCase c = GetParam();
  const Conv2dShape s = c.shape();
  const size_t y_size = static_cast<size_t>(shape_numel(c.y_shape()));
  auto forward = [&](const std::vector<Vec>& in) {
    Vec y(y_size);
    conv2d_forward_ref<double>(y.data(), in[0].data(), in[1].data(), in[2].data(), s, c.p);
    return y;
  };
  auto backward = [&](const std::vector<Vec>& in, const Vec& dy) {
    Vec dx(in[0].size()), dw(in[1].size(), 0.0), db(in[2].size(), 0.0);
    conv2d_backward_data_ref<double>(dx.data(), dy.data(), in[1].data(), s, c.p);
    conv2d_backward_weights_ref<double>(dw.data(), db.data(), in[0].data(), dy.data(), s, c.p);
    return std::vector<Vec>{dx, dw, db};
  };
  const std::vector<Vec> inputs{testing::random_vec(shape_numel(c.x_shape()), 1),
                                testing::random_vec(shape_numel(c.w_shape()), 2),
                                testing::random_vec(static_cast<size_t>(c.K), 3)};
  EXPECT_TRUE(testing::check_gradients(forward, backward, inputs, {"x", "w", "bias"}));
}

Conv2dParams non_square_params() {
  Conv2dParams p;
  p.stride_h = 1;
  p.stride_w = 2;
  p.pad_h = 1;
  p.pad_w = 0;
  p.dilation_h = 2;
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvReferenceGradients,
    ::testing::Values(ConvCase{"stride1_pad1", 2, 2, 5, 5, 3, 3, 3, make_params(1, 1), true},
                      ConvCase{"stride2_pad0", 1, 2, 6, 5, 2, 3, 3, make_params(2, 0), true},
                      ConvCase{"groups2", 1, 4, 5, 4, 4, 3, 3, make_params(1, 1, 2), true},
                      ConvCase{"depthwise_stride2", 2, 3, 5, 6, 3, 3, 3, make_params(2, 1, 3), true},
                      ConvCase{"pointwise", 2, 3, 4, 3, 4, 1, 1, make_params(1, 0), true},
                      ConvCase{"non_square_dilated", 1, 2, 6, 7, 2, 2, 3, non_square_params(), true}),
    case_name);

// ---------------------------------------------------------------------------------------------
// oneDNN against the reference (float; the reference runs in double).

Tensor random_tensor(const Shape& shape, unsigned seed, Layout layout = Layout::kPlain) {
  const Vec v = testing::random_vec(static_cast<size_t>(shape_numel(shape)), seed);
  return to_layout(Tensor::from_vector<float>(std::vector<float>(v.begin(), v.end()), shape), layout);
}

Vec values(const Tensor& t) {
  const std::vector<float> v = (t.ndim() == 4 ? to_plain(t) : t).to_vector<float>();
  return Vec(v.begin(), v.end());
}

Tensor tensor_of(const Vec& v, const Shape& shape) {
  return Tensor::from_vector<float>(std::vector<float>(v.begin(), v.end()), shape);
}

// The channel padding of a blocked tensor must hold zeros (core/tensor.h).
::testing::AssertionResult padding_is_zero(const Tensor& t) {
  if (t.is_plain()) return ::testing::AssertionSuccess();
  const int64_t b = layout_block(t.layout()), C = t.dim(1), cb = (C + b - 1) / b, hw = t.dim(2) * t.dim(3);
  const float* p = t.data<float>();
  for (int64_t i = 0; i < t.physical_numel(); ++i) {
    const int64_t c = ((i / (hw * b)) % cb) * b + i % b;
    if (c >= C && p[i] != 0.0f) return ::testing::AssertionFailure() << "padding element " << i << " is " << p[i];
  }
  return ::testing::AssertionSuccess();
}

constexpr double kTol = 1e-4;
const Layout kLayouts[] = {Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16};

class ConvOnednn : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvOnednn, ForwardMatchesReference) {
  const ConvCase c = GetParam();
  const Tensor x = random_tensor(c.x_shape(), 11), w = random_tensor(c.w_shape(), 12);
  const Tensor bias = c.bias ? random_tensor({c.K}, 13) : Tensor();
  Vec y_ref(static_cast<size_t>(shape_numel(c.y_shape())));
  const Vec b_vals = c.bias ? values(bias) : Vec();
  conv2d_forward_ref<double>(y_ref.data(), values(x).data(), values(w).data(), c.bias ? b_vals.data() : nullptr,
                             c.shape(), c.p);
  for (Layout xl : kLayouts) {
    for (Layout yl : kLayouts) {
      SCOPED_TRACE("x " + layout_name(xl) + ", y " + layout_name(yl));
      const Tensor y = conv2d_forward(to_layout(x, xl), w, bias, c.p, yl);
      ASSERT_EQ(y.shape(), c.y_shape());
      ASSERT_EQ(y.layout(), yl);
      EXPECT_TRUE(padding_is_zero(y));
      EXPECT_ALLCLOSE(y_ref, values(y), kTol, kTol);
    }
  }
  EXPECT_EQ(conv2d_forward(x, w, bias, c.p).layout(), preferred_layout());
}

TEST_P(ConvOnednn, BackwardDataMatchesReference) {
  const ConvCase c = GetParam();
  const Tensor dy = random_tensor(c.y_shape(), 21), w = random_tensor(c.w_shape(), 22);
  Vec dx_ref(static_cast<size_t>(shape_numel(c.x_shape())));
  conv2d_backward_data_ref<double>(dx_ref.data(), values(dy).data(), values(w).data(), c.shape(), c.p);
  for (Layout dyl : kLayouts) {
    for (Layout xl : kLayouts) {
      SCOPED_TRACE("dy " + layout_name(dyl) + ", x " + layout_name(xl));
      const Tensor dx = conv2d_backward_data(to_layout(dy, dyl), w, c.x_shape(), xl, c.p);
      ASSERT_EQ(dx.shape(), c.x_shape());
      ASSERT_EQ(dx.layout(), xl);
      EXPECT_TRUE(padding_is_zero(dx));
      EXPECT_ALLCLOSE(dx_ref, values(dx), kTol, kTol);
    }
  }
}

TEST_P(ConvOnednn, BackwardWeightsAccumulatesLikeReference) {
  const ConvCase c = GetParam();
  const Tensor x = random_tensor(c.x_shape(), 31), dy = random_tensor(c.y_shape(), 32);
  // Pre-filled gradients check the += contract.
  const Vec dw0 = testing::random_vec(static_cast<size_t>(shape_numel(c.w_shape())), 33);
  const Vec db0 = testing::random_vec(static_cast<size_t>(c.K), 34);
  Vec dw_ref = dw0, db_ref = db0;
  conv2d_backward_weights_ref<double>(dw_ref.data(), c.bias ? db_ref.data() : nullptr, values(x).data(),
                                      values(dy).data(), c.shape(), c.p);
  for (Layout xl : kLayouts) {
    for (Layout dyl : kLayouts) {
      SCOPED_TRACE("x " + layout_name(xl) + ", dy " + layout_name(dyl));
      Tensor dw = tensor_of(dw0, c.w_shape());
      Tensor db = c.bias ? tensor_of(db0, {c.K}) : Tensor();
      conv2d_backward_weights(dw, &db, to_layout(x, xl), to_layout(dy, dyl), c.p);
      EXPECT_ALLCLOSE(dw_ref, values(dw), kTol, kTol);
      if (c.bias) {
        EXPECT_ALLCLOSE(db_ref, values(db), kTol, kTol);
      }
    }
  }
}

// Model-like shapes at small sizes: first convolutions with 1 and 3 channels (one channel into a
// blocked output without bias takes conv2d_single_channel.h's loops for the weight gradient),
// ResNet stages (3x3 stride-1 passes in conv2d_winograd.h's tiles, with blocked activations and
// widths that allow them, also unequal, odd-sized or a single pixel; through oneDNN's backward-data
// kernel otherwise) and their stride-2 transitions, MobileNet depthwise, ShuffleNet grouped 1x1,
// odd sizes and N = 1.
INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvOnednn,
    ::testing::Values(ConvCase{"first_c1", 2, 1, 12, 12, 16, 3, 3, make_params(1, 1), false},
                      ConvCase{"first_c1_stride2_odd", 3, 1, 11, 9, 24, 3, 3, make_params(2, 1), false},
                      ConvCase{"first_c1_5x3_pad2", 2, 1, 7, 10, 8, 5, 3, make_params(1, 2), false},
                      ConvCase{"first_c1_bias", 2, 1, 6, 6, 8, 3, 3, make_params(1, 1), true},
                      ConvCase{"first_c3_odd", 1, 3, 11, 9, 16, 3, 3, make_params(1, 1), true},
                      ConvCase{"resnet_16", 2, 16, 8, 8, 16, 3, 3, make_params(1, 1), false},
                      ConvCase{"resnet_16_32_stride2_odd", 2, 16, 9, 9, 32, 3, 3, make_params(2, 1), false},
                      ConvCase{"resnet_32_64_stride2", 1, 32, 8, 8, 64, 3, 3, make_params(2, 1), true},
                      ConvCase{"resnet_64", 2, 64, 5, 5, 64, 3, 3, make_params(1, 1), false},
                      ConvCase{"resnet_8_non_square", 2, 8, 4, 7, 8, 3, 3, make_params(1, 1), false},
                      ConvCase{"narrowing_32_16_odd", 5, 32, 7, 7, 16, 3, 3, make_params(1, 1), false},
                      ConvCase{"cnn_64_128_odd", 2, 64, 7, 5, 128, 3, 3, make_params(1, 1), false},
                      ConvCase{"widening_24_32_non_square", 3, 24, 5, 3, 32, 3, 3, make_params(1, 1), false},
                      ConvCase{"one_pixel_16", 2, 16, 1, 1, 16, 3, 3, make_params(1, 1), false},
                      ConvCase{"projection_1x1_stride2", 2, 16, 8, 8, 32, 1, 1, make_params(2, 0), false},
                      ConvCase{"depthwise_stride1", 2, 32, 7, 7, 32, 3, 3, make_params(1, 1, 32), false},
                      ConvCase{"depthwise_stride2_odd", 1, 24, 9, 9, 24, 3, 3, make_params(2, 1, 24), false},
                      ConvCase{"grouped_1x1", 2, 24, 6, 6, 48, 1, 1, make_params(1, 0, 3), false},
                      ConvCase{"grouped_1x1_unaligned", 1, 12, 5, 7, 15, 1, 1, make_params(1, 0, 3), true},
                      ConvCase{"channels_not_multiple_of_8", 2, 5, 6, 6, 10, 3, 3, make_params(1, 1), true},
                      ConvCase{"non_square_dilated", 1, 8, 9, 10, 8, 2, 3, non_square_params(), true}),
    case_name);

TEST(ConvOnednnEmptyBatch, ReturnsEmptyTensorsAndLeavesGradientsAlone) {
  const Conv2dParams p = make_params(2, 1);
  const Tensor x = Tensor::empty({0, 16, 8, 8}), w = random_tensor({32, 16, 3, 3}, 41), b = random_tensor({32}, 42);
  const Tensor y = conv2d_forward(x, w, b, p);
  EXPECT_EQ(y.shape(), (Shape{0, 32, 4, 4}));
  const Tensor dx = conv2d_backward_data(y, w, x.shape(), Layout::kBlocked8, p);
  EXPECT_EQ(dx.shape(), x.shape());
  EXPECT_EQ(dx.layout(), Layout::kBlocked8);
  Tensor dw = Tensor::full(w.shape(), 0.5f), db = Tensor::full({32}, 0.25f);
  conv2d_backward_weights(dw, &db, x, y, p);
  EXPECT_ALLCLOSE(Tensor::full(w.shape(), 0.5f), dw, 0.0, 0.0);
  EXPECT_ALLCLOSE(Tensor::full({32}, 0.25f), db, 0.0, 0.0);
}

TEST(ConvOnednnThreads, ConcurrentCallsShareCachedPlans) {
  // Plans are cached process-wide and executed with per-call scratchpads: threads running the same
  // shape at once must each get the single-threaded answer.
  const Conv2dParams p = make_params(1, 1);
  const Tensor x = random_tensor({2, 8, 6, 6}, 61, Layout::kBlocked8), w = random_tensor({8, 8, 3, 3}, 62);
  const Tensor expected = conv2d_forward(x, w, Tensor(), p, Layout::kBlocked8);
  std::vector<Tensor> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 10; ++rep) results[i] = conv2d_forward(x, w, Tensor(), p, Layout::kBlocked8);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Tensor& y : results) EXPECT_ALLCLOSE(expected, y, 0.0, 0.0);
}

TEST(ConvOnednnThreads, WeightGradientInsideAParallelRegionMatchesReference) {
  // Inside a parallel region an inner one gets a single thread although omp_get_max_threads()
  // says more: the Winograd weight gradient (16 -> 16 channels, blocked) must add only the partial
  // sums its team made.
  const ConvCase c{"inner", 3, 16, 6, 6, 16, 3, 3, make_params(1, 1), false};
  const Tensor x = random_tensor(c.x_shape(), 71), dy = random_tensor(c.y_shape(), 72);
  Vec dw_ref(static_cast<size_t>(shape_numel(c.w_shape())), 0.0);
  conv2d_backward_weights_ref<double>(dw_ref.data(), nullptr, values(x).data(), values(dy).data(), c.shape(), c.p);
  const Tensor x8 = to_layout(x, Layout::kBlocked8), dy8 = to_layout(dy, Layout::kBlocked8);
  // First at top level, with every thread: its buffers go back to the caching allocator holding
  // partial sums, and the calls below get them again.
  std::vector<Tensor> results(3);
  results[2] = Tensor::zeros(c.w_shape());
  conv2d_backward_weights(results[2], nullptr, x8, dy8, c.p);
#pragma omp parallel num_threads(2)
  {
    Tensor dw = Tensor::zeros(c.w_shape());
    conv2d_backward_weights(dw, nullptr, x8, dy8, c.p);
#pragma omp critical
    results[results[0].defined() ? 1 : 0] = dw;
  }
  for (const Tensor& dw : results) {
    ASSERT_TRUE(dw.defined());
    EXPECT_ALLCLOSE(dw_ref, values(dw), kTol, kTol);
  }
}

TEST(ConvOnednnThreads, OnednnPlansMadeAtTopLevelAreNotRunInsideAParallelRegion) {
  // oneDNN's weight gradient splits its work for the threads there are when its plan is made and
  // waits for all of them: run inside a parallel region (one thread per nested team) with the plan
  // made at top level, it waited forever. Plans are per team (onednn::PlanCache), so this ends.
  kernels::cpu::reset_conv_routes();
  kernels::cpu::set_conv_route_mode(kernels::cpu::ConvRouteMode::kDirect);  // oneDNN direct everywhere
  const ConvCase c{"inner", 3, 16, 6, 6, 16, 3, 3, make_params(1, 1), false};
  const Tensor x8 = to_layout(random_tensor(c.x_shape(), 81), Layout::kBlocked8);
  const Tensor dy8 = to_layout(random_tensor(c.y_shape(), 82), Layout::kBlocked8);
  Tensor top = Tensor::zeros(c.w_shape());
  conv2d_backward_weights(top, nullptr, x8, dy8, c.p);
  std::vector<Tensor> inner(2);
#pragma omp parallel num_threads(2)
  {
    Tensor dw = Tensor::zeros(c.w_shape());
    conv2d_backward_weights(dw, nullptr, x8, dy8, c.p);
#pragma omp critical
    inner[inner[0].defined() ? 1 : 0] = dw;
  }
  kernels::cpu::reset_conv_routes();
  kernels::cpu::set_conv_route_mode(kernels::cpu::ConvRouteMode::kAuto);
  for (const Tensor& dw : inner) {
    ASSERT_TRUE(dw.defined());
    EXPECT_ALLCLOSE(values(top), values(dw), kTol, kTol);
  }
}

TEST(ConvShape, DerivesOutputSizeLikePyTorch) {
  Conv2dParams p = make_params(2, 1);
  const Conv2dShape s = conv2d_shape({4, 16, 28, 28}, {32, 16, 3, 3}, p);
  EXPECT_EQ(s.P, 14);
  EXPECT_EQ(s.Q, 14);
  p.dilation_h = 2;
  EXPECT_EQ(conv2d_shape({1, 1, 7, 8}, {1, 1, 3, 3}, p).P, 3);  // (7 + 2 - 4 - 1) / 2 + 1
}

TEST(ConvShape, RejectsInvalidShapesWithClearMessages) {
  auto message = [](const Shape& x, const Shape& w, const Conv2dParams& p) {
    try {
      conv2d_shape(x, w, p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({1, 3, 8}, {4, 3, 3, 3}, make_params(1, 0)).find("4-D"), std::string::npos);
  EXPECT_NE(message({1, 3, 8, 8}, {4, 3, 3}, make_params(1, 0)).find("4-D"), std::string::npos);
  EXPECT_NE(message({1, 6, 8, 8}, {4, 2, 3, 3}, make_params(1, 0, 4)).find("groups"), std::string::npos);
  EXPECT_NE(message({1, 6, 8, 8}, {5, 2, 3, 3}, make_params(1, 0, 3)).find("K = w.shape[0] = 5"), std::string::npos);
  EXPECT_NE(message({1, 6, 8, 8}, {6, 3, 3, 3}, make_params(1, 0, 3)).find("C/groups = 2"), std::string::npos);
  EXPECT_NE(message({1, 3, 2, 2}, {4, 3, 3, 3}, make_params(1, 0)).find("output would be empty"), std::string::npos);
  EXPECT_NE(message({1, 3, 8, 8}, {4, 3, 3, 3}, make_params(0, 0)).find("strides"), std::string::npos);
  EXPECT_NE(message({1, 3, 8, 8}, {4, 3, 3, 3}, make_params(1, -1)).find("padding"), std::string::npos);
}

TEST(ConvOnednnErrors, RejectsMismatchedTensors) {
  const Conv2dParams p = make_params(1, 1);
  const Tensor x = random_tensor({1, 3, 5, 5}, 51), w = random_tensor({4, 3, 3, 3}, 52);
  EXPECT_THROW(conv2d_forward(x, w, random_tensor({5}, 53), p), Error);  // bias length
  EXPECT_THROW(conv2d_forward(x, random_tensor({4, 2, 3, 3}, 54), Tensor(), p), Error);
  EXPECT_THROW(conv2d_backward_data(random_tensor({1, 4, 4, 5}, 55), w, x.shape(), Layout::kPlain, p), Error);
  Tensor dw_blocked = Tensor::zeros({4, 3, 3, 3}, DType::kFloat32, Device::cpu(), Layout::kBlocked8);
  EXPECT_THROW(conv2d_backward_weights(dw_blocked, nullptr, x, random_tensor({1, 4, 5, 5}, 56), p), Error);
}

}  // namespace
}  // namespace revive::kernels
