// Labels outside [0, K): one message for both backends.
//
// The CPU entry points read the labels and throw at once (check_logits_and_labels,
// entry_checks.h). Device labels are not read there, since that would make every step wait for the
// GPU: instead the CUDA softmax cross-entropy forward records the first bad label of its batch in
// a small device record (and its loss turns NaN), and the code that reads the losses back anyway
// (StepMetrics::flush, once per logging interval) reads the record with them, through
// take_bad_label, and throws the CPU's message. count_correct does not record: it never indexes
// with a label, so a bad one only counts as wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/device.h"
#include "core/hd.h"

namespace revive::kernels {

// labels[index] = label, outside [0, n_classes). index < 0: no bad label recorded.
struct BadLabel {
  int64_t index = -1;
  int64_t label = 0;
  int64_t n_classes = 0;
};

// The first bad label since the record was last cleared is kept: later batches do not overwrite it.
REVIVE_HD void record_bad_label(BadLabel* record, int64_t index, int64_t label, int64_t n_classes) {
  if (record->index >= 0) return;
  record->index = index;
  record->label = label;
  record->n_classes = n_classes;
}

// "<op>: labels[3] = 12 is outside [0, 10)".
std::string bad_label_message(const char* op, const BadLabel& bad);

// The bad label the device's softmax_cross_entropy forward recorded since the last call, if any,
// and clears the record. Waits for the device. Always empty on the CPU, where the entry points
// throw instead.
std::optional<BadLabel> take_bad_label(Device d);

// Backend: the device record (runtime.cpp allocates it with the stream), read back and cleared.
std::optional<BadLabel> take_bad_label_cuda();

}  // namespace revive::kernels
