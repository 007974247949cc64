// Asynchronous upload of host batches to a CUDA device (ARCHITECTURE.md "Data flowing through one
// epoch": the batch tensor on the model's device).
//
// Each upload copies the host tensors into pinned (page-locked) staging memory, then queues the
// pinned-to-device copies on a copy stream of their own, so that they overlap the kernels of the
// step still running; the compute stream waits for them (an event, not the host) before the next
// kernel that reads the batch. Two slots alternate: the device buffers of upload k are rewritten
// by upload k + 2 only after the compute stream has passed the point where upload k + 1 was
// issued, i.e. after every kernel of the step that used them.
//
// Contract: the tensors returned by upload k stay valid until upload k + 2 is issued; a caller that
// needs them longer clones them.
#pragma once

#include <memory>
#include <vector>

#include "core/tensor.h"

namespace revive::kernels {

class BatchUploader {
 public:
  virtual ~BatchUploader() = default;
  // host: plain CPU tensors (any dtype and shape); returns device tensors of the same shapes.
  virtual std::vector<Tensor> upload(const std::vector<Tensor>& host) = 0;
};

// An uploader to `device` (CUDA); throws revive::Error when the build has no CUDA backend.
std::unique_ptr<BatchUploader> make_batch_uploader(Device device);

}  // namespace revive::kernels
