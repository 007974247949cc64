// Tensor: a shape, a dtype, a device and a layout over reference-counted storage.
//
// Order and layout. Tensors are logically row-major and contiguous; 4-D activations are NCHW
// (N images, C channels, H rows, W columns), conv weights KCRS (K output channels = PyTorch's
// out_channels, C input channels per group, R x S kernel). A 4-D CPU activation may instead be
// stored in a blocked layout (Layout::kBlocked8 = oneDNN nChw8c): channels are split in blocks
// of 8, physical order N, ceil(C/8), H, W, 8, padding channels held at zero. The logical shape
// stays NCHW; code that reads raw elements calls to_plain() (kernels/layout.h) first.
//
// Autograd. A tensor may carry requires_grad, a grad and the grad_fn node that produced it
// (core/autograd.h). The gradient with respect to a tensor always has that tensor's layout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"

namespace revive {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

enum class Layout : uint8_t { kPlain, kBlocked8, kBlocked16 };
inline int layout_block(Layout l) { return l == Layout::kBlocked8 ? 8 : l == Layout::kBlocked16 ? 16 : 1; }
std::string layout_name(Layout l);

// Move-only owner of one allocation from the device's caching allocator.
class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

class Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;  // undefined tensor

  static Tensor empty(const Shape& shape, DType dtype = DType::kFloat32, Device device = Device::cpu(),
                      Layout layout = Layout::kPlain);
  static Tensor zeros(const Shape& shape, DType dtype = DType::kFloat32, Device device = Device::cpu(),
                      Layout layout = Layout::kPlain);
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  // A view of `count` elements of base's storage starting at element `offset` (plain layout).
  static Tensor view_of(const Tensor& base, int64_t offset, const Shape& shape);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim(int i) const;  // negative i counts from the end
  int ndim() const { return static_cast<int>(shape().size()); }
  int64_t numel() const;
  // Elements actually stored: numel() for plain tensors, more for blocked ones (channel padding).
  int64_t physical_numel() const;
  size_t nbytes() const;
  Shape strides() const;  // in elements; plain layout only
  DType dtype() const;
  Device device() const;
  Layout layout() const;
  bool is_plain() const { return layout() == Layout::kPlain; }

  void* raw_data() const;
  template <class T>
  T* data() const;

  // Views (plain layout, no autograd; the differentiable reshape lives in nn/functional.h).
  Tensor reshape(const Shape& shape) const;
  Tensor slice0(int64_t begin, int64_t end) const;  // rows [begin, end) of dim 0

  Tensor clone() const;  // deep copy, same layout, no autograd history
  void copy_from(const Tensor& src);  // same shape, dtype and layout
  void fill_(float value);
  void zero_();
  float item() const;  // one-element float tensor
  template <class T>
  std::vector<T> to_vector() const;  // plain layout
  // Copies to another device (explicit: there is no hidden host/device syncing).
  Tensor to(Device device) const;

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on);
  Tensor grad() const;
  void set_grad(const Tensor& g);
  const std::shared_ptr<Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<Node> fn);
  Tensor detach() const;  // shares storage, no history
  // Runs reverse-mode differentiation from this (one-element) tensor, seeding it with 1.
  void backward() const;

  const std::string& name() const;
  void set_name(const std::string& name);

  bool same(const Tensor& o) const { return impl_ == o.impl_; }
  TensorImpl* impl() const { return impl_.get(); }

 private:
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  void require_defined() const;
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  size_t offset_bytes = 0;
  Shape shape;
  DType dtype = DType::kFloat32;
  Device device;
  Layout layout = Layout::kPlain;
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  std::string name;
};

}  // namespace revive
