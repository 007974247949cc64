#include "kernels/counter.h"

namespace revive::kernels {

void counter_increment_cpu(Tensor& count) { ++count.data<int64_t>()[0]; }

}  // namespace revive::kernels
