// concat_forward_cuda / concat_backward_cuda (kernels/concat.h) on plain buffers.
//
// Versions: one grid-stride copy kernel, run once per input (forward: x into its channel range of
// y) or once per gradient (backward: the channel range of dy out into dx); concat_channel_offset
// (kernels/concat.h) maps an element of the part to its place in the whole, in 32 bits when the
// whole allows (launch.cuh with_index_type).
#include "kernels/concat.h"
#include "kernels/cuda/launch.cuh"

namespace revive::kernels {

// to_whole: part -> whole (forward) or whole -> part (backward).
template <class I>
static __global__ void concat_copy_kernel(int64_t n, float* dst, const float* src, I C_y, I c_begin, I C_x, I inner,
                                          bool to_whole) {
  REVIVE_CUDA_KERNEL_LOOP_T(I, i, static_cast<I>(n)) {
    const I j = concat_channel_offset(i, C_y, c_begin, C_x, inner);
    if (to_whole) {
      dst[j] = src[i];
    } else {
      dst[i] = src[j];
    }
  }
}

static int64_t inner_size(const Shape& s) {
  int64_t inner = 1;
  for (size_t i = 2; i < s.size(); ++i) inner *= s[i];
  return inner;
}

// Copies the n elements of the part to or from channels [c_begin, c_begin + C_x) of the whole
// (`whole` elements).
static void launch_concat_copy(float* dst, const float* src, int64_t n, int64_t whole, int64_t C_y, int64_t c_begin,
                               int64_t C_x, int64_t inner, bool to_whole) {
  cuda::with_index_type(whole, [&](auto index) {
    using I = decltype(index);
    cuda::launch_linear(concat_copy_kernel<I>, n, dst, src, static_cast<I>(C_y), static_cast<I>(c_begin),
                        static_cast<I>(C_x), static_cast<I>(inner), to_whole);
  });
}

Tensor concat_forward_cuda(const std::vector<Tensor>& xs, const Shape& y_shape) {
  for (const Tensor& x : xs) cuda::check_operand(x, "concat", "an input");
  Tensor y = Tensor::empty(y_shape, DType::kFloat32, xs[0].device());
  const int64_t inner = inner_size(y_shape);
  int64_t c_begin = 0;
  for (const Tensor& x : xs) {
    launch_concat_copy(y.data<float>(), x.data<float>(), x.numel(), y.numel(), y_shape[1], c_begin, x.dim(1), inner,
                       true);
    c_begin += x.dim(1);
  }
  return y;
}

Tensor concat_backward_cuda(const Tensor& dy, int64_t c_begin, const Shape& x_shape, Layout x_layout) {
  cuda::check_operand(dy, "concat backward", "dy");
  cuda::check_plain_layout(x_layout, "concat backward");
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, dy.device());
  launch_concat_copy(dx.data<float>(), dy.data<float>(), dx.numel(), dy.numel(), dy.dim(1), c_begin, x_shape[1],
                     inner_size(x_shape), false);
  return dx;
}

}  // namespace revive::kernels
