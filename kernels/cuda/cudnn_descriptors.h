// Owning RAII wrappers of the cuDNN descriptors the convolution needs (Caffe's util/cudnn.hpp
// helpers, made owning): created and set in the constructor, destroyed in the destructor (errors
// there are printed, never thrown); move-only, so a cached plan can hold them. Float32, plain
// NCHW / KCRS only: the only layouts CUDA tensors have.
#pragma once

#include <cudnn.h>

#include <utility>

#include "kernels/cuda/libraries.h"

namespace revive::kernels::cuda {

template <class Desc, cudnnStatus_t (*Destroy)(Desc)>
class OwnedDescriptor {
 public:
  OwnedDescriptor() = default;
  ~OwnedDescriptor() {
    if (desc_ != nullptr) REVIVE_CUDNN_CHECK_PRINT(Destroy(desc_));
  }
  OwnedDescriptor(OwnedDescriptor&& o) noexcept : desc_(std::exchange(o.desc_, nullptr)) {}
  OwnedDescriptor& operator=(OwnedDescriptor&& o) noexcept {
    std::swap(desc_, o.desc_);
    return *this;
  }
  OwnedDescriptor(const OwnedDescriptor&) = delete;
  OwnedDescriptor& operator=(const OwnedDescriptor&) = delete;
  Desc get() const { return desc_; }

 protected:
  Desc desc_ = nullptr;
};

class TensorDescriptor : public OwnedDescriptor<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor> {
 public:
  TensorDescriptor(int n, int c, int h, int w) {
    REVIVE_CUDNN_CHECK(cudnnCreateTensorDescriptor(&desc_));
    REVIVE_CUDNN_CHECK(cudnnSetTensor4dDescriptor(desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
  }
};

// Weights [K, C/groups, R, S].
class FilterDescriptor : public OwnedDescriptor<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor> {
 public:
  FilterDescriptor(int k, int c, int r, int s) {
    REVIVE_CUDNN_CHECK(cudnnCreateFilterDescriptor(&desc_));
    REVIVE_CUDNN_CHECK(cudnnSetFilter4dDescriptor(desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, r, s));
  }
};

// Cross-correlation (what deep-learning frameworks call convolution), float32 accumulation, with
// a group count (grouped and depthwise convolutions) and a math type (FMA only, or tensor cores).
class ConvolutionDescriptor
    : public OwnedDescriptor<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor> {
 public:
  ConvolutionDescriptor(int pad_h, int pad_w, int stride_h, int stride_w, int dilation_h, int dilation_w, int groups) {
    REVIVE_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&desc_));
    REVIVE_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(desc_, pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                                       CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    REVIVE_CUDNN_CHECK(cudnnSetConvolutionGroupCount(desc_, groups));
  }
};

}  // namespace revive::kernels::cuda
