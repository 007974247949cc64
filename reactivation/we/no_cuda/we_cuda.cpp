// reactivation/we/we_cuda.h in a build without the CUDA backend (CMake compiles this file instead of
// reactivation/we/cuda/): asking for Weight Evolution on CUDA is a clear error.
#include <string>

#include "core/error.h"
#include "reactivation/we/we_cuda.h"

namespace revive {
namespace {

[[noreturn]] void no_cuda(const std::string& device = "CUDA") {
  REVIVE_THROW("Weight Evolution on " << device << " needs the CUDA backend, but this build of revive has none "
                                         "(configure with nvcc available and -DREVIVE_CUDA=AUTO or ON)");
}

}  // namespace

const char* we_cuda_sort_name(WeCudaSort sort) {
  return sort == WeCudaSort::kBlock ? "block" : "device_segmented";
}

struct WeCudaWorkspace::Impl {};

WeCudaWorkspace::WeCudaWorkspace(const FilterTable&, Device device, WeCudaSort) { no_cuda(device.str()); }
WeCudaWorkspace::~WeCudaWorkspace() = default;
WeCudaSort WeCudaWorkspace::sort() const { no_cuda(); }
Device WeCudaWorkspace::device() const { no_cuda(); }

WeReport we_apply_cuda(const FilterTable&, float*, int64_t, const WeOptions&, int, const std::vector<int>&, WeState&,
                       WeCudaWorkspace&, StreamHandle) {
  no_cuda();
}

WeReport we_enqueue_cuda(const FilterTable&, float*, int64_t, const WeOptions&, int, const std::vector<int>&,
                         const WeState&, WeCudaWorkspace&, StreamHandle) {
  no_cuda();
}

void we_finish_cuda(WeReport&, WeState&, WeCudaWorkspace&, StreamHandle) { no_cuda(); }

WeCudaTrace we_cuda_trace(const WeCudaWorkspace&, StreamHandle) { no_cuda(); }

}  // namespace revive
