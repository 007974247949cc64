// The CUDA backend's process state (kernels/cuda/runtime.h, libraries.h) and the device-runtime
// API (kernels/device_runtime.h) for builds with CUDA.
#include "kernels/cuda/runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>

#include "core/autograd.h"
#include "core/error.h"
#include "core/runtime_options.h"
#include "kernels/cuda/libraries.h"

namespace revive::kernels::cuda {
namespace {

struct State {
  std::once_flag init_once;
  int n_devices = 0;
  std::string no_device_reason;  // cudaGetDeviceCount's error when it found none
  std::mutex mu;                  // guards the fields below
  int device = 0;
  cudaStream_t stream = nullptr;
  BadLabel* bad_label = nullptr;  // on the device, all bytes 0xff (index -1) when clear
  CudaOptions options;
};

// Never destroyed: tensors freed by static destructors still reach the allocator and the stream.
State& state() {
  static auto* s = new State();
  return *s;
}

std::string version_str(int v, int major_div, int minor_div) {
  std::ostringstream os;
  os << v / major_div << "." << (v % major_div) / minor_div;
  return os.str();
}

std::string message(const char* lib, const char* code, const char* text, const char* call) {
  std::ostringstream os;
  os << lib << " error " << code << " (" << text << ") in " << call;
  return os.str();
}

// The calling thread's current device is per thread in the CUDA runtime: bind each thread that
// issues work to the process's device once.
void bind_thread(int device) {
  thread_local int bound = -1;
  if (bound == device) return;
  REVIVE_CUDA_CHECK(cudaSetDevice(device));
  bound = device;
}

class Handles {
 public:
  Handles() {
    REVIVE_CUDNN_CHECK(cudnnCreate(&cudnn_));
    REVIVE_CUDNN_CHECK(cudnnSetStream(cudnn_, stream()));
    REVIVE_CUBLAS_CHECK(cublasCreate(&cublas_));
    // cublasSetStream resets the workspace, so the stream comes first. A workspace of our own keeps
    // GEMMs from allocating during graph capture; cuBLAS asks 4 MiB on Ampere and 32 MiB on Hopper.
    REVIVE_CUBLAS_CHECK(cublasSetStream(cublas_, stream()));
    int major = 0;
    REVIVE_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, state().device));
    workspace_bytes_ = (major >= 9 ? 32u : 4u) << 20;
    workspace_ = device_allocator().allocate(workspace_bytes_);
    REVIVE_CUBLAS_CHECK(cublasSetWorkspace(cublas_, workspace_, workspace_bytes_));
  }
  ~Handles() {
    REVIVE_CUBLAS_CHECK_PRINT(cublasDestroy(cublas_));
    REVIVE_CUDNN_CHECK_PRINT(cudnnDestroy(cudnn_));
    device_allocator().deallocate(workspace_, workspace_bytes_);
  }
  Handles(const Handles&) = delete;
  Handles& operator=(const Handles&) = delete;

  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
};

Handles& handles() {
  // Per thread: neither library allows concurrent use of one handle. Destroyed at thread exit,
  // which for the main thread comes before the CUDA runtime's own teardown.
  thread_local Handles h;
  return h;
}

}  // namespace

void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
  ::revive::detail::throw_error(file, line, nullptr,
                                message("CUDA", cudaGetErrorName(e), cudaGetErrorString(e), call));
}

void throw_cudnn_error(cudnnStatus_t s, const char* call, const char* file, int line) {
  ::revive::detail::throw_error(file, line, nullptr,
                                message("cuDNN", std::to_string(static_cast<int>(s)).c_str(), cudnnGetErrorString(s), call));
}

void throw_cublas_error(cublasStatus_t s, const char* call, const char* file, int line) {
  ::revive::detail::throw_error(file, line, nullptr,
                                message("cuBLAS", cublasGetStatusName(s), cublasGetStatusString(s), call));
}

void print_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
  std::fprintf(stderr, "revive: warning: %s [%s:%d]\n",
               message("CUDA", cudaGetErrorName(e), cudaGetErrorString(e), call).c_str(), file, line);
}

void print_cudnn_error(cudnnStatus_t s, const char* call, const char* file, int line) {
  std::fprintf(stderr, "revive: warning: %s [%s:%d]\n",
               message("cuDNN", std::to_string(static_cast<int>(s)).c_str(), cudnnGetErrorString(s), call).c_str(),
               file, line);
}

void print_cublas_error(cublasStatus_t s, const char* call, const char* file, int line) {
  std::fprintf(stderr, "revive: warning: %s [%s:%d]\n",
               message("cuBLAS", cublasGetStatusName(s), cublasGetStatusString(s), call).c_str(), file, line);
}

void check_launch(const char* file, int line) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw_cuda_error(e, "kernel launch", file, line);
  if (sync_after_launch() && !capturing()) {
    const cudaError_t run = cudaStreamSynchronize(stream());
    if (run != cudaSuccess) throw_cuda_error(run, "kernel run (REVIVE_SYNC_AFTER_LAUNCH=1)", file, line);
  }
}

bool sync_after_launch() { return runtime_options().sync_after_launch; }

void ensure_initialized() {
  State& s = state();
  std::call_once(s.init_once, [&s] {
    register_cuda_allocator(&device_allocator());
    register_device_copy(&copy_bytes);
    register_device_fill(&fill);
    register_device_accumulate(&accumulate);
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      s.no_device_reason = cudaGetErrorString(e);
      n = 0;
      (void)cudaGetLastError();  // not a sticky error; keep it from surfacing at the next check
    }
    s.n_devices = n;
  });
}

int device_count() {
  ensure_initialized();
  return state().n_devices;
}

cudaStream_t stream() {
  State& s = state();
  cudaStream_t st = nullptr;
  int device = 0;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stream == nullptr) {
      REVIVE_CHECK(device_count() > 0, "CUDA work requested but there is no CUDA device ("
                                           << (s.no_device_reason.empty() ? "none found" : s.no_device_reason)
                                           << ")");
      bind_thread(s.device);
      REVIVE_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
      // cudaMalloc, not the caching allocator: it asks for stream(), whose lock is held here.
      REVIVE_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&s.bad_label), sizeof(BadLabel)));
      REVIVE_CUDA_CHECK(cudaMemsetAsync(s.bad_label, 0xff, sizeof(BadLabel), s.stream));
    }
    st = s.stream;
    device = s.device;
  }
  bind_thread(device);
  return st;
}

BadLabel* bad_label_record() {
  stream();
  std::lock_guard<std::mutex> lock(state().mu);
  return state().bad_label;
}

bool capturing() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  REVIVE_CUDA_CHECK(cudaStreamIsCapturing(stream(), &status));
  return status != cudaStreamCaptureStatusNone;
}

cudnnHandle_t cudnn() { return handles().cudnn_; }
cublasHandle_t cublas() { return handles().cublas_; }

void check_operand(const Tensor& t, const char* op, const char* arg) {
  REVIVE_CHECK(t.defined(), op << ": " << arg << " is undefined");
  REVIVE_CHECK(t.device().is_cuda() && t.device().index == state().device,
               op << ": " << arg << " is on " << t.device().str() << "; this process computes on cuda:"
                  << state().device << " (revive drives one CUDA device per process)");
  REVIVE_CHECK(t.is_plain(), op << ": " << arg << " is " << layout_name(t.layout())
                                << "; CUDA tensors are always plain NCHW");
}

void check_plain_layout(Layout layout, const char* op) {
  REVIVE_CHECK(layout == Layout::kPlain,
               op << ": layout " << layout_name(layout) << " asked for a CUDA tensor; CUDA tensors are always plain NCHW");
}

int checked_int(int64_t n, const char* op) {
  REVIVE_CHECK(n >= 0 && n <= INT32_MAX, op << ": size " << n << " exceeds the 32-bit range cuDNN and cuBLAS take");
  return static_cast<int>(n);
}

}  // namespace revive::kernels::cuda

namespace revive {

bool cuda_available() { return kernels::cuda::device_count() > 0; }

}  // namespace revive

namespace revive::kernels {

void use_device(Device d) {
  if (d.is_cpu()) return;
  cuda::State& s = cuda::state();
  const int n = cuda::device_count();
  REVIVE_CHECK(n > 0, "device " << d.str() << " requested but no CUDA device is present ("
                                << (s.no_device_reason.empty() ? "none found" : s.no_device_reason)
                                << "); use --device cpu");
  REVIVE_CHECK(d.index < n, "device " << d.str() << " requested but only " << n << " CUDA device"
                                      << (n == 1 ? " is" : "s are") << " present (cuda:0"
                                      << (n > 1 ? " to cuda:" + std::to_string(n - 1) : std::string()) << ")");
  std::lock_guard<std::mutex> lock(s.mu);
  REVIVE_CHECK(s.stream == nullptr || s.device == d.index,
               "device " << d.str() << " requested but this process already computes on cuda:" << s.device
                         << " (revive drives one CUDA device per process)");
  s.device = d.index;
  cuda::bind_thread(d.index);
  cudaDeviceProp p{};
  REVIVE_CUDA_CHECK(cudaGetDeviceProperties(&p, d.index));
  REVIVE_CHECK(cuda::kernels_run_here(),
               d.str() << " (" << p.name << ", compute capability " << p.major << "." << p.minor
                       << ") cannot run this build's kernels, compiled for CUDA architectures " << REVIVE_CUDA_ARCHITECTURES
                       << "; reconfigure with -DCMAKE_CUDA_ARCHITECTURES=" << p.major << p.minor);
}

std::string default_device_name() { return cuda_available() ? "cuda" : "cpu"; }

void synchronize(Device d) {
  if (d.is_cpu()) return;
  REVIVE_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()));
}

std::vector<std::string> cuda_report() {
  std::vector<std::string> lines;
  int runtime = 0, driver = 0;
  REVIVE_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  if (cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
  lines.push_back("CUDA runtime " + cuda::version_str(runtime, 1000, 10) + " (built with " +
                  cuda::version_str(CUDART_VERSION, 1000, 10) + "), driver " +
                  (driver > 0 ? cuda::version_str(driver, 1000, 10) : std::string("none")));
  const size_t cudnn_v = cudnnGetVersion();
  std::ostringstream cudnn;
  cudnn << "cuDNN " << cudnn_v / 10000 << "." << (cudnn_v % 10000) / 100 << "." << cudnn_v % 100 << " (built with "
        << CUDNN_MAJOR << "." << CUDNN_MINOR << "." << CUDNN_PATCHLEVEL << ")";
  lines.push_back(cudnn.str());
  int major = 0, minor = 0, patch = 0;
  REVIVE_CUBLAS_CHECK(cublasGetProperty(MAJOR_VERSION, &major));
  REVIVE_CUBLAS_CHECK(cublasGetProperty(MINOR_VERSION, &minor));
  REVIVE_CUBLAS_CHECK(cublasGetProperty(PATCH_LEVEL, &patch));
  lines.push_back("cuBLAS " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch));
  const int n = cuda::device_count();
  if (n == 0) {
    const std::string& why = cuda::state().no_device_reason;
    lines.push_back("no CUDA device" + (why.empty() ? std::string() : " (" + why + ")"));
  }
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    REVIVE_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    std::ostringstream os;
    os << "cuda:" << i << " " << p.name << ", compute capability " << p.major << "." << p.minor << ", "
       << p.multiProcessorCount << " SMs, " << static_cast<double>(p.totalGlobalMem) / (1u << 30) << " GiB";
    lines.push_back(os.str());
  }
  return lines;
}

void set_cuda_options(const CudaOptions& options) {
  cuda::State& s = cuda::state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.options = options;
}

CudaOptions cuda_options() {
  cuda::State& s = cuda::state();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.options;
}

}  // namespace revive::kernels
