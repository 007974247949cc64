// The CUDA backend's process state (kernels/cuda/runtime.h, libraries.h) and the device-runtime
// API (kernels/device_runtime.h) for builds with CUDA.
#include "kernels/cuda/runtime.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "core/device_backend.h"
#include "core/error.h"
#include "core/runtime_options.h"
#include "kernels/cuda/libraries.h"

namespace revive::kernels::cuda {
namespace {

// What one device holds: its stream and its bad-label record, made together on first use.
struct DeviceState {
  std::once_flag made;
  std::unique_ptr<Stream> stream;
  BadLabel* bad_label = nullptr;  // on the device, all bytes 0xff (index -1) when clear
};

struct State {
  std::once_flag init_once;
  int n_devices = 0;
  std::string no_device_reason;  // cudaGetDeviceCount's error when it found none
  std::vector<std::unique_ptr<DeviceState>> devices;  // n_devices entries, fixed after init
  std::mutex mu;                                      // guards options and use_device's check-and-set
  std::atomic<int> device{0};                         // the process's device
  std::atomic<bool> device_fixed{false};              // work was issued to it: no switching any more
  CudaOptions options;
  std::atomic<int> captures{0};  // CaptureScopes alive
};

// Never destroyed: tensors freed by static destructors still reach the allocator and the streams.
State& state() {
  static auto* s = new State();
  return *s;
}

std::string version_str(int v, int major_div, int minor_div) {
  std::ostringstream os;
  os << v / major_div << "." << (v % major_div) / minor_div;
  return os.str();
}

std::string no_device_text() {
  const std::string& why = state().no_device_reason;
  return why.empty() ? std::string("none found") : why;
}

// The calling thread's current device is per thread in the CUDA runtime: bind each thread that
// issues work to a device once (and again when it issues work for another).
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
    REVIVE_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, process_device()));
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

bool sync_after_launch() { return runtime_options().sync_after_launch; }

void ensure_initialized() {
  State& s = state();
  std::call_once(s.init_once, [&s] {
    register_device_backend(&backend());
    int n = 0;
    const cudaError_t e = tolerate(cudaGetDeviceCount(&n));  // no driver, or no device: not sticky
    if (e != cudaSuccess) {
      s.no_device_reason = cudaGetErrorString(e);
      n = 0;
    }
    s.n_devices = n;
    for (int i = 0; i < n; ++i) s.devices.push_back(std::make_unique<DeviceState>());
  });
}

int device_count() {
  ensure_initialized();
  return state().n_devices;
}

bool Stream::capturing() const {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  REVIVE_CUDA_CHECK(cudaStreamIsCapturing(stream_, &status));
  return status != cudaStreamCaptureStatusNone;
}

void Stream::synchronize() const { REVIVE_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

const Stream& device_stream(int device) {
  const int n = device_count();
  REVIVE_CHECK(n > 0, "CUDA work requested but there is no CUDA device (" << no_device_text() << ")");
  REVIVE_CHECK(device >= 0 && device < n, "CUDA work requested on cuda:" << device << " but only " << n
                                                                         << " CUDA device" << (n == 1 ? " is" : "s are")
                                                                         << " present");
  DeviceState& d = *state().devices[static_cast<size_t>(device)];
  std::call_once(d.made, [&d, device] {
    bind_thread(device);
    cudaStream_t s = nullptr;
    REVIVE_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    // cudaMalloc, not the caching allocator: this record outlives every tensor.
    REVIVE_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&d.bad_label), sizeof(BadLabel)));
    REVIVE_CUDA_CHECK(cudaMemsetAsync(d.bad_label, 0xff, sizeof(BadLabel), s));
    d.stream = std::make_unique<Stream>(device, s);
  });
  bind_thread(device);
  return *d.stream;
}

int process_device() { return state().device.load(); }

cudaStream_t stream() {
  State& s = state();
  if (!s.device_fixed.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(s.mu);
    s.device_fixed = true;
  }
  return device_stream(s.device.load()).get();
}

BadLabel* bad_label_record() {
  stream();
  return state().devices[static_cast<size_t>(process_device())]->bad_label;
}

bool capturing() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  REVIVE_CUDA_CHECK(cudaStreamIsCapturing(stream(), &status));
  return status != cudaStreamCaptureStatusNone;
}

CaptureScope::CaptureScope() { ++state().captures; }
CaptureScope::~CaptureScope() { --state().captures; }
bool capture_in_progress() { return state().captures.load() > 0; }

cudnnHandle_t cudnn() { return handles().cudnn_; }
cublasHandle_t cublas() { return handles().cublas_; }

void check_operand(const Tensor& t, const char* op, const char* arg) {
  REVIVE_CHECK(t.defined(), op << ": " << arg << " is undefined");
  const int device = process_device();
  REVIVE_CHECK(t.device().is_cuda() && t.device().index == device,
               op << ": " << arg << " is on " << t.device().str() << "; this process computes on cuda:" << device
                  << " (revive drives one CUDA device per process)");
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
  REVIVE_CHECK(n > 0, "device " << d.str() << " requested but no CUDA device is present (" << cuda::no_device_text()
                                << "); use --device cpu");
  REVIVE_CHECK(d.index < n, "device " << d.str() << " requested but only " << n << " CUDA device"
                                      << (n == 1 ? " is" : "s are") << " present (cuda:0"
                                      << (n > 1 ? " to cuda:" + std::to_string(n - 1) : std::string()) << ")");
  {
    std::lock_guard<std::mutex> lock(s.mu);
    REVIVE_CHECK(!s.device_fixed || s.device == d.index,
                 "device " << d.str() << " requested but this process already computes on cuda:" << s.device.load()
                           << " (revive drives one CUDA device per process)");
    s.device = d.index;
  }
  cuda::bind_thread(d.index);
  cudaDeviceProp p{};
  REVIVE_CUDA_CHECK(cudaGetDeviceProperties(&p, d.index));
  REVIVE_CHECK(cuda::kernels_run_here(),
               d.str() << " (" << p.name << ", compute capability " << p.major << "." << p.minor
                       << ") cannot run this build's kernels, compiled for CUDA architectures " << REVIVE_CUDA_ARCHITECTURES
                       << "; reconfigure with -DCMAKE_CUDA_ARCHITECTURES=" << p.major << p.minor);
}

int cuda_device_count() { return cuda::device_count(); }

std::string default_device_name() { return cuda_available() ? "cuda" : "cpu"; }

void synchronize(Device d) {
  if (d.is_cpu()) return;
  cuda::backend().synchronize(d);
}

StreamHandle current_stream(Device d) {
  if (d.is_cpu()) return {};
  return cuda::backend().current_stream(d);
}

std::vector<std::string> cuda_report() {
  std::vector<std::string> lines;
  int runtime = 0, driver = 0;
  REVIVE_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  if (cuda::tolerate(cudaDriverGetVersion(&driver)) != cudaSuccess) driver = 0;
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
  if (n == 0) lines.push_back("no CUDA device (" + cuda::no_device_text() + ")");
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
