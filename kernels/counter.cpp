#include "kernels/counter.h"

#include "kernels/dispatch.h"

namespace revive::kernels {

void counter_increment(Tensor& count) {
  REVIVE_CHECK(count.defined() && count.dtype() == DType::kInt64 && count.numel() == 1,
               "counter_increment: expected a one-element int64 tensor");
  dispatch("counter_increment", count.device(), [&] { counter_increment_cpu(count); },
           [&] { counter_increment_cuda(count); });
}

}  // namespace revive::kernels
