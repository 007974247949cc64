#include "core/tensor.h"

#include <cstring>
#include <sstream>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/device_backend.h"

namespace revive {
namespace {

void device_fill(Tensor& t, float value) { device_backend(t.device(), "filling a tensor").fill(t, value); }

void copy_bytes(void* dst, Device dd, const void* src, Device sd, size_t bytes) {
  if (bytes == 0) return;
  if (dd.is_cpu() && sd.is_cpu()) {
    std::memcpy(dst, src, bytes);
    return;
  }
  device_backend(dd.is_cpu() ? sd : dd, "copying a tensor").copy(dst, dd, src, sd, bytes);
}

}  // namespace

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    REVIVE_CHECK(d >= 0, "negative dimension in shape " << shape_str(s));
    n *= d;
  }
  return n;
}

std::string dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
  }
  return "?";
}

std::string layout_name(Layout l) {
  switch (l) {
    case Layout::kPlain: return "plain";
    case Layout::kBlocked8: return "nChw8c";
    case Layout::kBlocked16: return "nChw16c";
  }
  return "?";
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = allocator_for(device).allocate(bytes);
}

Storage::~Storage() { allocator_for(device_).deallocate(data_, bytes_); }

namespace {
int64_t physical_count(const Shape& shape, Layout layout) {
  if (layout == Layout::kPlain) return shape_numel(shape);
  REVIVE_CHECK(shape.size() == 4, "blocked layouts are for 4-D NCHW tensors, got shape " << shape_str(shape));
  const int64_t b = layout_block(layout);
  return shape[0] * ((shape[1] + b - 1) / b) * b * shape[2] * shape[3];
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device, Layout layout) {
  REVIVE_CHECK(layout == Layout::kPlain || dtype == DType::kFloat32, "blocked layouts hold float32 only");
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->device = device;
  impl->layout = layout;
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(physical_count(shape, layout)) * dtype_size(dtype), device);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device, Layout layout) {
  Tensor t = empty(shape, dtype, device, layout);
  t.zero_();
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::kFloat32, device);
  t.fill_(value);
  return t;
}

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  REVIVE_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
               values.size() << " values do not fill shape " << shape_str(shape));
  Tensor t = empty(shape, DTypeOf<T>::value);
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  return t;
}
template Tensor Tensor::from_vector(const std::vector<float>&, const Shape&);
template Tensor Tensor::from_vector(const std::vector<int32_t>&, const Shape&);
template Tensor Tensor::from_vector(const std::vector<int64_t>&, const Shape&);

Tensor Tensor::view_of(const Tensor& base, int64_t offset, const Shape& shape) {
  base.require_defined();
  REVIVE_CHECK(base.is_plain(), "views need a plain-layout base");
  const int64_t n = shape_numel(shape);
  REVIVE_CHECK(offset >= 0 && offset + n <= base.numel(),
               "view of " << n << " elements at offset " << offset << " exceeds a base of " << base.numel());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.impl_->storage;
  impl->offset_bytes = base.impl_->offset_bytes + static_cast<size_t>(offset) * dtype_size(base.dtype());
  impl->shape = shape;
  impl->dtype = base.dtype();
  impl->device = base.device();
  return Tensor(std::move(impl));
}

void Tensor::require_defined() const { REVIVE_CHECK(impl_ != nullptr, "operation on an undefined tensor"); }

const Shape& Tensor::shape() const {
  require_defined();
  return impl_->shape;
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  const int j = i < 0 ? i + n : i;
  REVIVE_CHECK(j >= 0 && j < n, "dimension " << i << " out of range for shape " << shape_str(shape()));
  return impl_->shape[j];
}

int64_t Tensor::numel() const { return shape_numel(shape()); }
int64_t Tensor::physical_numel() const { return physical_count(shape(), layout()); }
size_t Tensor::nbytes() const { return static_cast<size_t>(physical_numel()) * dtype_size(dtype()); }

Shape Tensor::strides() const {
  REVIVE_CHECK(is_plain(), "strides are defined for plain layout only");
  Shape s(shape().size());
  int64_t acc = 1;
  for (int i = ndim() - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= impl_->shape[i];
  }
  return s;
}

DType Tensor::dtype() const {
  require_defined();
  return impl_->dtype;
}
Device Tensor::device() const {
  require_defined();
  return impl_->device;
}
Layout Tensor::layout() const {
  require_defined();
  return impl_->layout;
}

void* Tensor::raw_data() const {
  require_defined();
  return static_cast<char*>(impl_->storage->data()) + impl_->offset_bytes;
}

template <class T>
T* Tensor::data() const {
  REVIVE_CHECK(dtype() == DTypeOf<T>::value,
               "tensor holds " << dtype_name(dtype()) << ", accessed as " << dtype_name(DTypeOf<T>::value));
  return static_cast<T*>(raw_data());
}
template float* Tensor::data<float>() const;
template int32_t* Tensor::data<int32_t>() const;
template int64_t* Tensor::data<int64_t>() const;

Tensor Tensor::reshape(const Shape& shape) const {
  REVIVE_CHECK(is_plain(), "reshape of a " << layout_name(layout()) << " tensor: convert to plain first");
  Shape s = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      REVIVE_CHECK(infer < 0, "reshape to " << shape_str(shape) << ": at most one -1");
      infer = static_cast<int>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    REVIVE_CHECK(known > 0 && numel() % known == 0,
                 "cannot reshape " << shape_str(this->shape()) << " to " << shape_str(shape));
    s[infer] = numel() / known;
  }
  REVIVE_CHECK(shape_numel(s) == numel(), "cannot reshape " << shape_str(this->shape()) << " ("
                                                             << numel() << " elements) to " << shape_str(shape));
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->shape = s;
  impl->requires_grad = false;
  impl->grad = Tensor();
  impl->grad_fn.reset();
  return Tensor(std::move(impl));
}

Tensor Tensor::slice0(int64_t begin, int64_t end) const {
  REVIVE_CHECK(is_plain() && ndim() >= 1, "slice0 needs a plain tensor with at least one dimension");
  REVIVE_CHECK(0 <= begin && begin <= end && end <= dim(0),
               "rows [" << begin << ", " << end << ") out of range for shape " << shape_str(shape()));
  Shape s = shape();
  const int64_t row = s[0] == 0 ? 0 : numel() / s[0];
  s[0] = end - begin;
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset_bytes = impl_->offset_bytes + static_cast<size_t>(begin * row) * dtype_size(dtype());
  impl->shape = s;
  impl->dtype = dtype();
  impl->device = device();
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), dtype(), device(), layout());
  t.copy_from(*this);
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  REVIVE_CHECK(src.shape() == shape() && src.dtype() == dtype() && src.layout() == layout(),
               "copy_from: source " << shape_str(src.shape()) << " " << dtype_name(src.dtype()) << " "
                                    << layout_name(src.layout()) << " does not match destination "
                                    << shape_str(shape()) << " " << dtype_name(dtype()) << " "
                                    << layout_name(layout()));
  copy_bytes(raw_data(), device(), src.raw_data(), src.device(), nbytes());
}

void Tensor::fill_(float value) {
  if (!device().is_cpu()) {
    device_fill(*this, value);
    return;
  }
  const int64_t n = physical_numel();
  if (dtype() == DType::kFloat32) {
    float* p = data<float>();
    if (layout() == Layout::kPlain || value == 0.0f) {
      for (int64_t i = 0; i < n; ++i) p[i] = value;
    } else {
      // Keep channel padding at zero.
      const int64_t b = layout_block(layout()), C = dim(1), cb = (C + b - 1) / b, hw = dim(2) * dim(3);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t c = ((i / (hw * b)) % cb) * b + i % b;
        p[i] = c < C ? value : 0.0f;
      }
    }
  } else if (dtype() == DType::kInt32) {
    int32_t* p = data<int32_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int32_t>(value);
  } else {
    int64_t* p = data<int64_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int64_t>(value);
  }
}

void Tensor::zero_() {
  if (device().is_cpu()) {
    std::memset(raw_data(), 0, nbytes());
  } else {
    device_fill(*this, 0.0f);
  }
}

float Tensor::item() const {
  REVIVE_CHECK(numel() == 1, "item() of a tensor with " << numel() << " elements");
  REVIVE_CHECK(dtype() == DType::kFloat32, "item() of a " << dtype_name(dtype()) << " tensor");
  float v = 0;
  copy_bytes(&v, Device::cpu(), raw_data(), device(), sizeof(float));
  return v;
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  REVIVE_CHECK(is_plain(), "to_vector of a " << layout_name(layout()) << " tensor: convert to plain first");
  REVIVE_CHECK(dtype() == DTypeOf<T>::value, "to_vector: tensor holds " << dtype_name(dtype()));
  std::vector<T> v(static_cast<size_t>(numel()));
  copy_bytes(v.data(), Device::cpu(), raw_data(), device(), v.size() * sizeof(T));
  return v;
}
template std::vector<float> Tensor::to_vector() const;
template std::vector<int32_t> Tensor::to_vector() const;
template std::vector<int64_t> Tensor::to_vector() const;

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor t = empty(shape(), dtype(), d, layout());
  copy_bytes(t.raw_data(), d, raw_data(), device(), nbytes());
  return t;
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }
Tensor& Tensor::set_requires_grad(bool on) {
  require_defined();
  REVIVE_CHECK(dtype() == DType::kFloat32 || !on, "only float32 tensors can require gradients");
  impl_->requires_grad = on;
  return *this;
}
Tensor Tensor::grad() const {
  require_defined();
  return impl_->grad;
}
void Tensor::set_grad(const Tensor& g) {
  require_defined();
  if (g.defined()) {
    REVIVE_CHECK(g.shape() == shape() && g.layout() == layout(),
                 "gradient " << shape_str(g.shape()) << " does not match tensor " << shape_str(shape()));
  }
  impl_->grad = g;
}
const std::shared_ptr<Node>& Tensor::grad_fn() const {
  require_defined();
  return impl_->grad_fn;
}
void Tensor::set_grad_fn(std::shared_ptr<Node> fn) {
  require_defined();
  impl_->grad_fn = std::move(fn);
}
Tensor Tensor::detach() const {
  require_defined();
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset_bytes = impl_->offset_bytes;
  impl->shape = impl_->shape;
  impl->dtype = impl_->dtype;
  impl->device = impl_->device;
  impl->layout = impl_->layout;
  return Tensor(std::move(impl));
}
void Tensor::backward() const { run_backward(*this); }

const std::string& Tensor::name() const {
  require_defined();
  return impl_->name;
}
void Tensor::set_name(const std::string& name) {
  require_defined();
  impl_->name = name;
}

}  // namespace revive
