// reactivation/kr/kr_cuda.h in a build without the CUDA backend (CMake compiles this file instead of
// reactivation/kr/cuda/): asking for Kernel Reactivation on CUDA is a clear error.
#include "core/error.h"
#include "reactivation/kr/kr_cuda.h"

namespace revive {
namespace {

[[noreturn]] void no_cuda() {
  REVIVE_THROW("Kernel Reactivation on CUDA needs the CUDA backend, but this build of revive has none (configure "
               "with nvcc available and -DREVIVE_CUDA=AUTO or ON)");
}

}  // namespace

struct KrCudaWorkspace::Impl {};

KrCudaWorkspace::KrCudaWorkspace(const FilterTable&, const KrOptions&) { no_cuda(); }
KrCudaWorkspace::~KrCudaWorkspace() = default;

KrReport kr_apply_cuda(const FilterTable&, float*, int64_t, const KrOptions&, const ReactivationContext&, KrState&,
                       KrCudaWorkspace&) {
  no_cuda();
}

KrCudaTrace kr_cuda_trace(const KrCudaWorkspace&) { no_cuda(); }

}  // namespace revive
