#include "optim/graph_train_step.h"

#include <cmath>

#include "kernels/count_correct.h"
#include "nn/functional.h"

namespace revive::optim {

GraphTrainStep::GraphTrainStep(nn::Module& model, nn::ParameterArena& arena, SgdOptimizer& optimizer,
                               int64_t full_batch, GraphStepOptions options)
    : model_(model),
      arena_(arena),
      optimizer_(optimizer),
      full_batch_(full_batch),
      graph_(arena.device(), options),
      lr_(Tensor::zeros({1}, DType::kFloat32, arena.device())),
      loss_(Tensor::zeros({1}, DType::kFloat32, arena.device())),
      correct_(Tensor::zeros({1}, DType::kInt64, arena.device())) {
  REVIVE_CHECK(full_batch_ >= 1, "GraphTrainStep: the batch size must be at least 1, got " << full_batch_);
}

void GraphTrainStep::step(const Tensor& images, const Tensor& labels) {
  arena_.zero_grad();
  Tensor logits = model_.forward(images);
  Tensor loss = F::softmax_cross_entropy(logits, labels);
  loss_.copy_from(loss.reshape({1}));
  correct_.zero_();
  kernels::count_correct_accumulate(correct_, logits, labels);
  loss.backward();
  Tensor params = arena_.params();  // a handle: the update writes the arena in place
  optimizer_.step(params, arena_.grads(), lr_);
}

StepRoute GraphTrainStep::run(const Batch& batch, float lr) {
  REVIVE_CHECK(lr >= 0.0f && std::isfinite(lr), "invalid SGD learning rate " << lr << ": expected >= 0");
  lr_.fill_(lr);
  const Shape& shape = batch.images.shape();
  if (!images_.defined()) {
    if (shape.empty() || shape[0] != full_batch_) {
      // Nothing to capture yet (a resumed epoch's last batch comes first): the first full batch
      // sets the captured shape.
      step(batch.images, batch.labels);
      return StepRoute::kEager;
    }
    images_ = Tensor::empty(shape, batch.images.dtype(), batch.images.device());
    labels_ = Tensor::empty(batch.labels.shape(), batch.labels.dtype(), batch.labels.device());
  }
  std::vector<int64_t> key = shape;
  key.insert(key.end(), batch.labels.shape().begin(), batch.labels.shape().end());
  if (shape == images_.shape() && batch.labels.shape() == labels_.shape()) {
    images_.copy_from(batch.images);
    labels_.copy_from(batch.labels);
    return graph_.run(key, [this] { step(images_, labels_); });
  }
  return graph_.run(key, [&] { step(batch.images, batch.labels); });
}

}  // namespace revive::optim
