// The device-runtime API (kernels/device_runtime.h, batch_upload.h, cuda_graph.h) of a build
// without the CUDA backend (REVIVE_CUDA=OFF or no nvcc): CMake compiles this file instead of
// kernels/cuda/. Only the CPU exists; asking for CUDA is a clear error.
#include "core/error.h"
#include "kernels/batch_upload.h"
#include "kernels/cuda_graph.h"
#include "kernels/device_runtime.h"

namespace revive {

bool cuda_available() { return false; }

}  // namespace revive

namespace revive::kernels {
namespace {

[[noreturn]] void no_cuda(const std::string& what) {
  REVIVE_THROW(what << " needs CUDA, but this build of revive has no CUDA backend (configure with nvcc "
                       "available and -DREVIVE_CUDA=AUTO or ON)");
}

CudaOptions g_options;

}  // namespace

void use_device(Device d) {
  if (d.is_cuda()) no_cuda("device " + d.str());
}

int cuda_device_count() { return 0; }

std::string default_device_name() { return "cpu"; }

void synchronize(Device d) {
  if (d.is_cuda()) no_cuda("device " + d.str());
}

StreamHandle current_stream(Device d) {
  if (d.is_cuda()) no_cuda("device " + d.str());
  return {};
}

std::vector<std::string> cuda_report() {
  return {"not built (configure with nvcc available and -DREVIVE_CUDA=AUTO or ON)"};
}

void set_cuda_options(const CudaOptions& options) { g_options = options; }
CudaOptions cuda_options() { return g_options; }

std::unique_ptr<BatchUploader> make_batch_uploader(Device device) { no_cuda("uploading batches to " + device.str()); }

struct CudaGraph::Impl {};

CudaGraph::CudaGraph(const std::function<void()>&) { no_cuda("a CUDA Graph"); }
CudaGraph::~CudaGraph() = default;
void CudaGraph::replay() { no_cuda("a CUDA Graph"); }

}  // namespace revive::kernels
