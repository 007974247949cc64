// Datasets by name, for the CLI and the benchmarks.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/synthetic.h"

namespace revive {

// "fashion-mnist" (default dir: Debian's dataset-fashion-mnist), "cifar10", "cifar100" (dir
// required), "synthetic" (made from `synthetic`). Unknown names throw, listing the valid ones.
DatasetSplits load_dataset(const std::string& name, const std::string& dir, const SyntheticOptions& synthetic = {});
const std::vector<std::string>& dataset_names();

}  // namespace revive
