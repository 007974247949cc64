// GraphTrainStep's step where no GPU runs it: on the CPU GraphStep runs it eagerly, so these steps
// are its body (the learning rate read from a tensor, the loss and the correct count left in
// tensors) against the Trainer's eager step, which they must equal bit for bit; a batch of another
// shape and one before the first full batch run too; a bad learning rate is refused.
#include "optim/graph_train_step.h"

#include <gtest/gtest.h>

#include "kernels/count_correct.h"
#include "nn/functional.h"
#include "support/error_message.h"
#include "support/tiny_run.h"

namespace revive {
namespace {

// The Trainer's eager step (optim/trainer.cpp), returning the loss and the correct count.
std::pair<float, int64_t> eager_step(RunNetwork& n, const Batch& b, float lr) {
  n.arena->zero_grad();
  Tensor logits = n.model->forward(b.images);
  Tensor loss = F::softmax_cross_entropy(logits, b.labels);
  const float value = loss.item();
  const int64_t correct = kernels::count_correct(logits, b.labels);
  loss.backward();
  Tensor params = n.arena->params();
  n.sgd->step(params, n.arena->grads(), lr);
  return {value, correct};
}

TEST(GraphTrainStep, ItsStepIsTheEagerStepBitForBit) {
  testing::TinyRun a(1, 0.05, 21), b(1, 0.05, 21);
  RunNetwork& na = a.run->network();
  RunNetwork& nb = b.run->network();
  na.model->train();
  nb.model->train();
  optim::GraphTrainStep g(*nb.model, *nb.arena, *nb.sgd, 32);
  // A short batch first (a resumed epoch's last), then full ones at a changing rate, then short.
  std::vector<Batch> batches;
  na.train->start_epoch(0, 15);  // the epoch's last batch (512 / 32: a full one, cut short)
  Batch first;
  ASSERT_TRUE(na.train->next(first));
  batches.push_back({first.images.slice0(0, 20), first.labels.slice0(0, 20)});
  na.train->start_epoch(1);
  for (int i = 0; i < 4; ++i) {
    Batch x;
    ASSERT_TRUE(na.train->next(x));
    batches.push_back(x);
  }
  batches.push_back({batches.back().images.slice0(0, 7), batches.back().labels.slice0(0, 7)});
  for (size_t i = 0; i < batches.size(); ++i) {
    const float lr = 0.05f / static_cast<float>(i + 1);
    const auto [loss, correct] = eager_step(na, batches[i], lr);
    EXPECT_EQ(g.run(batches[i], lr), optim::StepRoute::kEager) << "the CPU runs every step eagerly";
    EXPECT_EQ(g.loss().item(), loss) << "step " << i;
    EXPECT_EQ(g.correct().to_vector<int64_t>(), std::vector<int64_t>{correct}) << "step " << i;
  }
  EXPECT_EQ(na.arena->params().to_vector<float>(), nb.arena->params().to_vector<float>());
  EXPECT_EQ(na.sgd->momentum().to_vector<float>(), nb.sgd->momentum().to_vector<float>());
  EXPECT_FALSE(g.graph().captured());
  EXPECT_ERROR(g.run(batches[1], -1.0f), "invalid SGD learning rate -1");
}

}  // namespace
}  // namespace revive
