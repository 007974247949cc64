// A process-wide cache of per-shape plans (oneDNN primitives, cuDNN descriptors and algorithm
// choices): built once per key (op, shapes, parameters, layouts, options) and shared by all
// threads. Building happens under the lock: it is rare, and two threads never build the same plan.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace revive::kernels {

using PlanKey = std::vector<int64_t>;

struct PlanKeyHash {
  size_t operator()(const PlanKey& k) const {
    uint64_t h = 1469598103934665603ull;
    for (int64_t v : k) h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

template <class Plan>
class PlanCache {
 public:
  template <class Make>
  std::shared_ptr<const Plan> get(const PlanKey& key, Make&& make) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
    auto plan = std::make_shared<const Plan>(make());
    plans_.emplace(key, plan);
    return plan;
  }

 private:
  std::mutex mu_;
  std::unordered_map<PlanKey, std::shared_ptr<const Plan>, PlanKeyHash> plans_;
};

}  // namespace revive::kernels
