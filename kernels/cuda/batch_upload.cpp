// The CUDA batch uploader of kernels/batch_upload.h (the overlap and slot-reuse rules are there).
//
// Events, for upload k into slot k % 2:
//  - slot.copied: recorded on the copy stream after upload k's copies. The host waits for it
//    before rewriting the slot's pinned buffers at upload k + 2; the compute stream waits for it
//    before any kernel queued after upload k.
//  - issued[k % 2]: recorded on the compute stream at upload k, after everything queued before it.
//    Upload k + 1 makes the copy stream wait for it: slot (k + 1) % 2 was last read by the step of
//    upload k - 1, all of whose kernels were queued before upload k.
// A device buffer that must grow comes from the caching allocator, whose blocks are ordered for
// the compute stream only; the copy stream then waits for all compute work queued so far.
#include <algorithm>
#include <cstring>

#include "kernels/batch_upload.h"
#include "kernels/cuda/runtime.h"

namespace revive::kernels {
namespace {

class CudaBatchUploader final : public BatchUploader {
 public:
  explicit CudaBatchUploader(Device device) : device_(device) {
    use_device(device);
    REVIVE_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
    for (Slot& s : slots_) REVIVE_CUDA_CHECK(cudaEventCreateWithFlags(&s.copied, cudaEventDisableTiming));
    for (cudaEvent_t& e : issued_) REVIVE_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    REVIVE_CUDA_CHECK(cudaEventCreateWithFlags(&now_, cudaEventDisableTiming));
  }

  ~CudaBatchUploader() override {
    REVIVE_CUDA_CHECK_PRINT(cudaStreamSynchronize(copy_stream_));
    for (Slot& s : slots_) {
      for (Buffer& b : s.buffers) {
        if (b.pinned != nullptr) REVIVE_CUDA_CHECK_PRINT(cudaFreeHost(b.pinned));
      }
      REVIVE_CUDA_CHECK_PRINT(cudaEventDestroy(s.copied));
    }
    for (cudaEvent_t e : issued_) REVIVE_CUDA_CHECK_PRINT(cudaEventDestroy(e));
    REVIVE_CUDA_CHECK_PRINT(cudaEventDestroy(now_));
    REVIVE_CUDA_CHECK_PRINT(cudaStreamDestroy(copy_stream_));
  }

  CudaBatchUploader(const CudaBatchUploader&) = delete;
  CudaBatchUploader& operator=(const CudaBatchUploader&) = delete;

  std::vector<Tensor> upload(const std::vector<Tensor>& host) override {
    for (const Tensor& t : host) {
      REVIVE_CHECK(t.defined() && t.device().is_cpu() && t.is_plain(),
                   "batch upload: expected plain CPU tensors, got one on " << (t.defined() ? t.device().str() : "?"));
    }
    cudaStream_t compute = cuda::stream();
    const int64_t k = count_++;
    Slot& slot = slots_[k % 2];
    if (slot.used) REVIVE_CUDA_CHECK(cudaEventSynchronize(slot.copied));
    if (k >= 1) REVIVE_CUDA_CHECK(cudaStreamWaitEvent(copy_stream_, issued_[(k - 1) % 2], 0));
    slot.buffers.resize(std::max(slot.buffers.size(), host.size()));
    bool grown = false;
    for (size_t i = 0; i < host.size(); ++i) grown |= fit(slot.buffers[i], host[i]);
    if (grown) {
      REVIVE_CUDA_CHECK(cudaEventRecord(now_, compute));
      REVIVE_CUDA_CHECK(cudaStreamWaitEvent(copy_stream_, now_, 0));
    }
    std::vector<Tensor> out;
    for (size_t i = 0; i < host.size(); ++i) {
      Buffer& b = slot.buffers[i];
      const size_t bytes = host[i].nbytes();
      if (bytes > 0) {
        std::memcpy(b.pinned, host[i].raw_data(), bytes);
        REVIVE_CUDA_CHECK(
            cudaMemcpyAsync(b.device.raw_data(), b.pinned, bytes, cudaMemcpyHostToDevice, copy_stream_));
      }
      out.push_back(Tensor::view_of(b.device, 0, host[i].shape()));
    }
    REVIVE_CUDA_CHECK(cudaEventRecord(slot.copied, copy_stream_));
    REVIVE_CUDA_CHECK(cudaStreamWaitEvent(compute, slot.copied, 0));
    REVIVE_CUDA_CHECK(cudaEventRecord(issued_[k % 2], compute));
    slot.used = true;
    return out;
  }

 private:
  struct Buffer {
    void* pinned = nullptr;
    size_t pinned_bytes = 0;
    Tensor device;  // flat, capacity >= the batch, the batch's dtype
  };
  struct Slot {
    std::vector<Buffer> buffers;
    cudaEvent_t copied = nullptr;
    bool used = false;
  };

  // Grows b to hold t; true when the device buffer was replaced.
  bool fit(Buffer& b, const Tensor& t) {
    const size_t bytes = t.nbytes();
    if (b.pinned_bytes < bytes) {
      if (b.pinned != nullptr) REVIVE_CUDA_CHECK(cudaFreeHost(b.pinned));
      b.pinned = nullptr;
      b.pinned_bytes = 0;
      REVIVE_CUDA_CHECK(cudaHostAlloc(&b.pinned, bytes, cudaHostAllocDefault));
      b.pinned_bytes = bytes;
    }
    if (b.device.defined() && b.device.dtype() == t.dtype() && b.device.numel() >= t.numel()) return false;
    b.device = Tensor::empty({t.numel()}, t.dtype(), device_);
    return true;
  }

  Device device_;
  cudaStream_t copy_stream_ = nullptr;
  Slot slots_[2];
  cudaEvent_t issued_[2] = {nullptr, nullptr};
  cudaEvent_t now_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<BatchUploader> make_batch_uploader(Device device) {
  REVIVE_CHECK(device.is_cuda(), "batch upload: " << device.str() << " is not a CUDA device");
  return std::make_unique<CudaBatchUploader>(device);
}

}  // namespace revive::kernels
