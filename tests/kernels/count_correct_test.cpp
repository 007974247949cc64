#include "kernels/count_correct.h"

#include <gtest/gtest.h>

namespace revive::kernels {
namespace {

TEST(CountCorrect, ArgmaxWithFirstIndexTies) {
  Tensor logits = Tensor::from_vector<float>({1, 3, 3,    // tie between 1 and 2: argmax 1
                                              2, 1, 0,    // argmax 0
                                              0, 0, 0,    // all tied: argmax 0
                                              5, 4, 6},   // argmax 2
                                             {4, 3});
  EXPECT_EQ(count_correct(logits, Tensor::from_vector<int64_t>({1, 0, 0, 2}, {4})), 4);
  EXPECT_EQ(count_correct(logits, Tensor::from_vector<int64_t>({2, 0, 1, 2}, {4})), 2);
  EXPECT_EQ(count_correct(Tensor::zeros({0, 3}), Tensor::from_vector<int64_t>({}, {0})), 0);
}

TEST(CountCorrect, RejectsMismatchedLabels) {
  Tensor logits = Tensor::zeros({2, 3});
  EXPECT_THROW(count_correct(logits, Tensor::from_vector<int64_t>({0}, {1})), Error);
  EXPECT_THROW(count_correct(logits, Tensor::from_vector<int64_t>({0, 3}, {2})), Error);
}

}  // namespace
}  // namespace revive::kernels
