// reactivation/fg/fg_cuda.h in a build without the CUDA backend (CMake compiles this file instead of
// reactivation/fg/cuda/): asking for Filter Grafting on CUDA is a clear error.
#include "core/error.h"
#include "reactivation/fg/fg_cuda.h"

namespace revive {
namespace {

[[noreturn]] void no_cuda() {
  REVIVE_THROW("Filter Grafting on CUDA needs the CUDA backend, but this build of revive has none (configure "
               "with nvcc available and -DREVIVE_CUDA=AUTO or ON)");
}

}  // namespace

struct FgCudaWorkspace::Impl {};

FgCudaWorkspace::FgCudaWorkspace(const FgLayout&, int) { no_cuda(); }
FgCudaWorkspace::~FgCudaWorkspace() = default;
bool FgCudaWorkspace::serves(const FgLayout&, int) const { no_cuda(); }

FgReport fg_apply_cuda(const FgLayout&, const std::vector<FgNetwork>&, const FgOptions&, int, uint64_t,
                       FgCudaWorkspace&) {
  no_cuda();
}

}  // namespace revive
