// Every op's CPU path on the empty and one-element inputs that tests/cuda compares the CUDA path
// against: these run here even where the CUDA tests are skipped. Each gives a result of the right
// shape (an empty batch), or a clear revive::Error where the op has no meaning (a mean over
// nothing), which the CUDA tests expect from the GPU too.
#include <gtest/gtest.h>

#include "kernels/add.h"
#include "kernels/batch_norm.h"
#include "kernels/channel_shuffle.h"
#include "kernels/concat.h"
#include "kernels/conv2d.h"
#include "kernels/count_correct.h"
#include "kernels/global_avg_pool.h"
#include "kernels/linear.h"
#include "kernels/pool2d.h"
#include "kernels/relu.h"
#include "kernels/sgd_update.h"
#include "kernels/softmax_cross_entropy.h"
#include "kernels/subsample_pad_channels.h"
#include "support/allclose.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::random_tensor;

const Shape kEmpty{0, 4, 3, 3}, kOne{1, 1, 1, 1};

TEST(EmptyInputs, ElementwiseAndDataMovementOps) {
  for (const Shape& s : {kEmpty, kOne, Shape{2, 0, 3, 3}}) {
    const Tensor x = random_tensor(s, 1), dy = random_tensor(s, 2);
    EXPECT_EQ(add_forward(x, dy).shape(), s);
    EXPECT_EQ(relu_backward(dy, relu_forward(x)).shape(), s);
    EXPECT_EQ(relu6_backward(dy, relu6_forward(x)).shape(), s);
    EXPECT_EQ(concat_forward({x, x}).dim(1), 2 * s[1]);
    EXPECT_EQ(concat_backward(concat_forward({x, x}), s[1], s, Layout::kPlain).shape(), s);
  }
  for (const Shape& s : {kEmpty, kOne}) {
    const Tensor x = random_tensor(s, 3);
    const int groups = static_cast<int>(s[1] == 4 ? 2 : 1);
    EXPECT_EQ(channel_shuffle_backward(channel_shuffle_forward(x, groups), groups, Layout::kPlain).shape(), s);
    const SubsamplePad p{2, 1, 1};
    EXPECT_EQ(subsample_pad_channels_backward(subsample_pad_channels_forward(x, p), s, Layout::kPlain, p).shape(), s);
  }
}

TEST(EmptyInputs, Pooling) {
  for (const Shape& s : {kEmpty, kOne}) {
    const Tensor x = random_tensor(s, 4);
    const Pool2dParams p{1, 1, 0};
    const Tensor y = max_pool2d_forward(x, p);
    EXPECT_EQ(max_pool2d_backward(y, x, p).shape(), s);
    EXPECT_EQ(avg_pool2d_backward(avg_pool2d_forward(x, p), s, Layout::kPlain, p).shape(), s);
    const Tensor g = global_avg_pool_forward(x);
    EXPECT_EQ(g.shape(), (Shape{s[0], s[1]}));
    EXPECT_EQ(global_avg_pool_backward(g, s, Layout::kPlain).shape(), s);
  }
  EXPECT_THROW(global_avg_pool_forward(Tensor::empty({2, 3, 0, 4})), Error);
}

TEST(EmptyInputs, ConvolutionAndLinearLeaveAccumulatedGradientsAlone) {
  Conv2dParams p;
  p.pad_h = p.pad_w = 1;
  const Tensor w = random_tensor({2, 4, 3, 3}, 5);
  const Tensor x = Tensor::empty(kEmpty);
  const Tensor y = conv2d_forward(x, w, random_tensor({2}, 6), p);
  EXPECT_EQ(y.shape(), (Shape{0, 2, 3, 3}));
  EXPECT_EQ(conv2d_backward_data(y, w, kEmpty, Layout::kPlain, p).shape(), kEmpty);
  Tensor dw = Tensor::full(w.shape(), 0.5f), db = Tensor::full({2}, -1.0f);
  conv2d_backward_weights(dw, &db, x, y, p);
  EXPECT_ALLCLOSE(dw, Tensor::full(w.shape(), 0.5f), 0.0, 0.0);
  EXPECT_ALLCLOSE(db, Tensor::full({2}, -1.0f), 0.0, 0.0);

  const Tensor lw = random_tensor({3, 4}, 7), lx = Tensor::empty({0, 4});
  const Tensor ly = linear_forward(lx, lw, random_tensor({3}, 8));
  EXPECT_EQ(ly.shape(), (Shape{0, 3}));
  EXPECT_EQ(linear_backward_data(ly, lw).shape(), (Shape{0, 4}));
  Tensor ldw = Tensor::full({3, 4}, 0.5f), ldb = Tensor::full({3}, -1.0f);
  linear_backward_weights(ldw, &ldb, lx, ly);
  EXPECT_ALLCLOSE(ldw, Tensor::full({3, 4}, 0.5f), 0.0, 0.0);
  EXPECT_ALLCLOSE(ldb, Tensor::full({3}, -1.0f), 0.0, 0.0);
}

TEST(EmptyInputs, BatchNorm) {
  const Tensor g = Tensor::full({4}, 1.0f), b = Tensor::zeros({4});
  Tensor rm = Tensor::zeros({4}), rv = Tensor::full({4}, 1.0f);
  const Tensor x = Tensor::empty(kEmpty);
  EXPECT_EQ(batch_norm_forward(x, g, b, rm, rv, false, 0.1f, 1e-5f).y.shape(), kEmpty);
  EXPECT_THROW(batch_norm_forward(x, g, b, rm, rv, true, 0.1f, 1e-5f), Error);
  EXPECT_THROW(batch_norm_forward(random_tensor(kOne, 9), Tensor::full({1}, 1.0f), Tensor::zeros({1}), Tensor(),
                                  Tensor(), true, 0.1f, 1e-5f),
               Error);
  for (bool batch_stats : {true, false}) {
    const BatchNormGrads grads = batch_norm_backward(x, x, g, rm, rv, batch_stats, true, true);
    EXPECT_EQ(grads.dx.shape(), kEmpty);
    EXPECT_ALLCLOSE(grads.dgamma, Tensor::zeros({4}), 0.0, 0.0);
    EXPECT_ALLCLOSE(grads.dbeta, Tensor::zeros({4}), 0.0, 0.0);
  }
}

TEST(EmptyInputs, LossAccuracyAndUpdate) {
  const Tensor logits = Tensor::empty({0, 10});
  const Tensor labels = Tensor::from_vector(std::vector<int64_t>{}, {0});
  EXPECT_THROW(softmax_cross_entropy_forward(logits, labels), Error);
  EXPECT_EQ(count_correct(logits, labels), 0);
  const Tensor one = random_tensor({1, 1}, 10);
  const Tensor zero_label = Tensor::from_vector(std::vector<int64_t>{0}, {1});
  EXPECT_EQ(softmax_cross_entropy_forward(one, zero_label).loss.item(), 0.0f) << "one class: probability 1";
  EXPECT_EQ(count_correct(one, zero_label), 1);
  Tensor param = Tensor::empty({0}), buf = Tensor::empty({0});
  SgdUpdateParams h;
  h.lr = 0.1f;
  h.momentum = 0.9f;
  sgd_update(param, buf, Tensor::empty({0}), h);
  EXPECT_EQ(param.numel(), 0);
}

}  // namespace
}  // namespace revive::kernels
