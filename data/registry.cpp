#include "data/registry.h"

#include "core/error.h"
#include "data/cifar.h"
#include "data/idx.h"

namespace revive {

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names{"fashion-mnist", "cifar10", "cifar100", "synthetic"};
  return names;
}

DatasetSplits load_dataset(const std::string& name, const std::string& dir, const SyntheticOptions& synthetic) {
  if (name == "fashion-mnist") return load_fashion_mnist(dir.empty() ? kFashionMnistDir : dir);
  if (name == "cifar10" || name == "cifar100") {
    REVIVE_CHECK(!dir.empty(), name << " needs --data-dir: the folder holding its binary-version .bin files "
                                         "(revive cannot download it)");
    return name == "cifar10" ? load_cifar10(dir) : load_cifar100(dir);
  }
  if (name == "synthetic") return make_synthetic(synthetic);
  std::string valid;
  for (const auto& n : dataset_names()) valid += (valid.empty() ? "" : ", ") + n;
  REVIVE_THROW("unknown dataset '" << name << "': expected one of " << valid);
}

}  // namespace revive
