// CIFAR-10 and CIFAR-100 in their "binary version" (https://www.cs.toronto.edu/~kriz/cifar.html).
// Each file is a sequence of fixed-size records: the label byte(s), then 3072 pixel bytes, 1024 per
// channel in R, G, B order, each channel 32x32 row-major — already CHW, so records copy as they are.
//   CIFAR-10:  data_batch_1..5.bin and test_batch.bin; record = 1 label byte + 3072 (3073 bytes).
//   CIFAR-100: train.bin and test.bin; record = coarse label, fine label + 3072 (3074 bytes). The
//              fine label (100 classes) is the class; the coarse one (20 superclasses) is checked
//              and dropped.
#pragma once

#include <string>

#include "data/dataset.h"

namespace revive {

// `dir` holds the .bin files, or is the folder the archive was unpacked into (holding
// cifar-10-batches-bin/ or cifar-100-binary/). Throws revive::Error naming the file when one is
// missing, its size is not a whole number of records (truncated), or a label is out of range.
DatasetSplits load_cifar10(const std::string& dir);
DatasetSplits load_cifar100(const std::string& dir);

enum class CifarVariant { k10, k100 };
// One binary file's bytes in memory (`origin` names them in errors) as a dataset of its records,
// with the same checks as the loaders.
Dataset parse_cifar_batch(const std::string& bytes, const std::string& origin, CifarVariant variant);

}  // namespace revive
