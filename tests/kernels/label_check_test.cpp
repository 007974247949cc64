// The bad-label logic both backends share (kernels/label_check.h): the CPU entry points throw the
// message a device record is turned into, the record keeps the first bad label, and the CPU has no
// record to read. The CUDA side is in tests/cuda/softmax_cross_entropy_test.cpp.
#include "kernels/label_check.h"

#include <gtest/gtest.h>

#include <string>

#include "kernels/count_correct.h"
#include "kernels/softmax_cross_entropy.h"
#include "support/error_message.h"
#include "support/tensor_utils.h"

namespace revive::kernels {
namespace {

using testing::error_message;

TEST(LabelCheck, MessageNamesTheLabelAndTheRange) {
  EXPECT_EQ(bad_label_message("softmax_cross_entropy", BadLabel{3, 12, 10}),
            "softmax_cross_entropy: labels[3] = 12 is outside [0, 10)");
  EXPECT_EQ(bad_label_message("count_correct", BadLabel{0, -1, 5}), "count_correct: labels[0] = -1 is outside [0, 5)");
}

// The CPU entry points throw the very message a device record becomes, for the first bad label.
TEST(LabelCheck, CpuEntryPointsThrowTheSharedMessage) {
  const Tensor logits = testing::random_tensor({5, 3}, 1);
  const Tensor labels = Tensor::from_vector(std::vector<int64_t>{0, 2, 3, -1, 1}, {5});
  const std::string xent = error_message([&] { softmax_cross_entropy_forward(logits, labels); });
  EXPECT_EQ(xent.rfind(bad_label_message("softmax_cross_entropy", BadLabel{2, 3, 3}), 0), 0u) << xent;
  const std::string count = error_message([&] { count_correct(logits, labels); });
  EXPECT_EQ(count.rfind(bad_label_message("count_correct", BadLabel{2, 3, 3}), 0), 0u) << count;
}

TEST(LabelCheck, RecordKeepsTheFirstBadLabel) {
  BadLabel record;
  EXPECT_LT(record.index, 0);
  record_bad_label(&record, 4, 10, 10);
  record_bad_label(&record, 1, -3, 7);
  EXPECT_EQ(record.index, 4);
  EXPECT_EQ(record.label, 10);
  EXPECT_EQ(record.n_classes, 10);
}

TEST(LabelCheck, CpuHasNoDeviceRecord) { EXPECT_FALSE(take_bad_label(Device::cpu()).has_value()); }

}  // namespace
}  // namespace revive::kernels
