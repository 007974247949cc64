// StepMetrics: queued steps come back in order with their loss, sample count and correct count;
// the queue refuses to overflow; on a GPU the slots give the CPU's numbers.
#include "optim/step_metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "kernels/count_correct.h"
#include "kernels/label_check.h"
#include "kernels/softmax_cross_entropy.h"
#include "cuda/cuda_test_util.h"
#include "support/tensor_utils.h"

namespace revive {
namespace {

struct Sample {
  Tensor loss, logits, labels;
};

Sample make_batch(int64_t n, unsigned seed) {
  Sample b;
  b.logits = testing::random_tensor({n, 5}, seed);
  std::vector<int64_t> l(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) l[static_cast<size_t>(i)] = (i + seed) % 5;
  b.labels = Tensor::from_vector(l, {n});
  b.loss = Tensor::full({}, 0.25f * static_cast<float>(seed));
  return b;
}

std::vector<StepMetrics::Step> run(Device device, int64_t capacity, const std::vector<Sample>& batches) {
  StepMetrics m(device, capacity);
  std::vector<StepMetrics::Step> out;
  for (size_t i = 0; i < batches.size(); ++i) {
    const Sample& b = batches[i];
    m.add(static_cast<int64_t>(i), b.loss.to(device), b.logits.to(device), b.labels.to(device));
    if (m.full()) {
      for (const auto& s : m.flush()) out.push_back(s);
    }
  }
  for (const auto& s : m.flush()) out.push_back(s);
  return out;
}

std::vector<Sample> batches() {
  std::vector<Sample> b;
  for (unsigned i = 1; i <= 7; ++i) b.push_back(make_batch(3 + i, i));
  return b;
}

TEST(StepMetrics, StepsComeBackInOrderWhateverTheCapacity) {
  const std::vector<Sample> b = batches();
  for (int64_t capacity : {1, 3, 7, 10}) {
    const auto steps = run(Device::cpu(), capacity, b);
    ASSERT_EQ(steps.size(), b.size());
    for (size_t i = 0; i < b.size(); ++i) {
      EXPECT_EQ(steps[i].index, static_cast<int64_t>(i));
      EXPECT_EQ(steps[i].n, b[i].labels.numel());
      EXPECT_EQ(steps[i].loss, b[i].loss.item());
      EXPECT_EQ(steps[i].correct, kernels::count_correct(b[i].logits, b[i].labels)) << "capacity " << capacity;
    }
  }
}

TEST(StepMetrics, RefusesToOverflow) {
  StepMetrics m(Device::cpu(), 1);
  const Sample b = make_batch(4, 1);
  m.add(0, b.loss, b.logits, b.labels);
  EXPECT_TRUE(m.full());
  EXPECT_THROW(m.add(1, b.loss, b.logits, b.labels), Error);
  EXPECT_EQ(m.flush().size(), 1u);
  EXPECT_TRUE(m.empty());
}

TEST(StepMetrics, GpuSlotsGiveTheCpuNumbers) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const std::vector<Sample> b = batches();
  const auto cpu = run(Device::cpu(), 1, b), gpu = run(Device::cuda(), 3, b);
  ASSERT_EQ(cpu.size(), gpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_EQ(cpu[i].loss, gpu[i].loss);
    EXPECT_EQ(cpu[i].correct, gpu[i].correct);
    EXPECT_EQ(cpu[i].n, gpu[i].n);
  }
}

// A label out of range on the GPU is found when the slots are read back, with the CPU's message,
// and not reported as a non-finite loss.
TEST(StepMetrics, GpuBadLabelIsTheCpuErrorAtFlush) {
  REVIVE_SKIP_WITHOUT_CUDA();
  const Sample b = make_batch(4, 1);
  const Tensor bad = Tensor::from_vector(std::vector<int64_t>{0, 1, 5, 2}, {4});
  const Tensor logits = b.logits.to(Device::cuda()), labels = bad.to(Device::cuda());
  StepMetrics m(Device::cuda(), 4);
  m.add(0, b.loss.to(Device::cuda()), logits, b.labels.to(Device::cuda()));
  m.add(1, kernels::softmax_cross_entropy_forward(logits, labels).loss, logits, labels);
  try {
    m.flush();
    ADD_FAILURE() << "flush did not throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(kernels::bad_label_message("softmax_cross_entropy", {2, 5, 5}), 0), 0u) << what;
    EXPECT_NE(what.find("one of the last 2 batches"), std::string::npos) << what;
  }
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(kernels::take_bad_label(Device::cuda()).has_value());
}

}  // namespace
}  // namespace revive
