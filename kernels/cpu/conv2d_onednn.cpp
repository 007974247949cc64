// The oneDNN routes of CPU convolutions (conv2d_onednn.h).
//
// Every primitive is created with format_tag::any for activations and weights, so oneDNN picks
// the layouts its fastest implementation wants (on AVX2: nChw8c activations, 8x8-blocked weights;
// plain nchw source for a first convolution with 1 or 3 channels). Tensors that arrive in another
// layout are reordered into that choice, and outputs are reordered into the layout the caller asked
// for, only where the two differ: with blocked activations between layers no activation moves.
// Weights stay plain KCRS in the parameter arena and are reordered on each call (small next to
// the activations: 147 KiB for ResNet-20's largest against 1.6 MiB of input); weight gradients are computed in the primitive's format and reordered with a sum
// post-op, which gives the += the API promises without a separate pass.
//
// Plans (primitive descriptors, primitives, reorders) are cached per operation, algorithm, shapes,
// parameters and layouts, and per team (onednn::PlanCache); temporary buffers come from the caching
// allocator (onednn_context.h).
#include <algorithm>

#include "kernels/cpu/conv2d_onednn.h"
#include "kernels/cpu/onednn_context.h"

namespace revive::kernels::cpu {
namespace {

using onednn::memory;
using onednn::Reorder;

struct ConvDescs {
  memory::desc x_any, w_any, bias_any, y_any;  // bias_any is empty without a bias
  memory::desc w_plain, bias_plain;
  memory::dims strides, dilates, pad_l, pad_r;
};

ConvDescs conv_descs(const Conv2dShape& s, const Conv2dParams& p, bool bias) {
  ConvDescs d;
  d.x_any = onednn::any_desc({s.N, s.C, s.H, s.W});
  d.y_any = onednn::any_desc({s.N, s.K, s.P, s.Q});
  // Grouped weights are oneDNN's goihw, which is the same memory as KCRS.
  const int64_t g = p.groups;
  const Shape w_shape = g == 1 ? Shape{s.K, s.C, s.R, s.S} : Shape{g, s.K / g, s.C / g, s.R, s.S};
  d.w_any = onednn::any_desc(w_shape);
  d.w_plain = onednn::plain_desc(w_shape);
  if (bias) {
    d.bias_any = onednn::any_desc({s.K});
    d.bias_plain = onednn::plain_desc({s.K});
  }
  d.strides = {p.stride_h, p.stride_w};
  d.dilates = {p.dilation_h - 1, p.dilation_w - 1};  // oneDNN counts the gaps between taps
  d.pad_l = {p.pad_h, p.pad_w};
  // The bottom/right padding the output size actually reaches: PyTorch's symmetric padding may
  // extend past the last window, which the output size rounds away anyway.
  auto reach = [](int64_t out, int stride, int64_t ker, int dil, int64_t in, int pad) {
    return std::max<int64_t>(0, (out - 1) * stride + (ker - 1) * dil + 1 - in - pad);
  };
  d.pad_r = {reach(s.P, p.stride_h, s.R, p.dilation_h, s.H, p.pad_h),
             reach(s.Q, p.stride_w, s.S, p.dilation_w, s.W, p.pad_w)};
  return d;
}

dnnl::algorithm algorithm(OneDnnAlgorithm alg) {
  return alg == OneDnnAlgorithm::kDirect ? dnnl::algorithm::convolution_direct : dnnl::algorithm::convolution_winograd;
}

dnnl::convolution_forward::primitive_desc forward_pd(const ConvDescs& d, OneDnnAlgorithm alg) {
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, algorithm(alg),
                                             d.x_any, d.w_any, d.bias_any, d.y_any, d.strides, d.dilates, d.pad_l,
                                             d.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, onednn::default_attr(), onednn::engine());
}

enum class ConvOp : int64_t { kForward, kBackwardData, kBackwardWeights };

onednn::PlanKey plan_key(ConvOp op, OneDnnAlgorithm alg, const Conv2dShape& s, const Conv2dParams& p, Layout a,
                         Layout b, bool bias) {
  return {static_cast<int64_t>(op), static_cast<int64_t>(alg), s.N, s.C, s.H, s.W, s.K, s.R, s.S,
          p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups,
          static_cast<int64_t>(a), static_cast<int64_t>(b), bias ? 1 : 0};
}

struct ForwardPlan {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  Reorder src, weights, bias, dst;
};

struct BackwardDataPlan {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
  Reorder diff_dst, weights, diff_src;
};

struct BackwardWeightsPlan {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  Reorder src, diff_dst, diff_weights, diff_bias;  // the last two accumulate
};

ForwardPlan make_forward_plan(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout, Layout y_layout,
                              bool bias, OneDnnAlgorithm alg) {
  const ConvDescs d = conv_descs(s, p, bias);
  ForwardPlan plan;
  plan.pd = forward_pd(d, alg);
  plan.prim = dnnl::convolution_forward(plan.pd);
  plan.src = Reorder(onednn::activation_desc({s.N, s.C, s.H, s.W}, x_layout), plan.pd.src_desc());
  plan.weights = Reorder(d.w_plain, plan.pd.weights_desc());
  if (bias) plan.bias = Reorder(d.bias_plain, plan.pd.bias_desc());
  plan.dst = Reorder(plan.pd.dst_desc(), onednn::activation_desc({s.N, s.K, s.P, s.Q}, y_layout));
  return plan;
}

BackwardDataPlan make_backward_data_plan(const Conv2dShape& s, const Conv2dParams& p, Layout dy_layout,
                                         Layout dx_layout, OneDnnAlgorithm alg) {
  const ConvDescs d = conv_descs(s, p, false);
  const dnnl::convolution_backward_data::desc desc(algorithm(alg), d.x_any, d.w_any, d.y_any,
                                                   d.strides, d.dilates, d.pad_l, d.pad_r);
  BackwardDataPlan plan;
  plan.pd = dnnl::convolution_backward_data::primitive_desc(desc, onednn::default_attr(), onednn::engine(),
                                                            forward_pd(d, alg));
  plan.prim = dnnl::convolution_backward_data(plan.pd);
  plan.diff_dst = Reorder(onednn::activation_desc({s.N, s.K, s.P, s.Q}, dy_layout), plan.pd.diff_dst_desc());
  plan.weights = Reorder(d.w_plain, plan.pd.weights_desc());
  plan.diff_src = Reorder(plan.pd.diff_src_desc(), onednn::activation_desc({s.N, s.C, s.H, s.W}, dx_layout));
  return plan;
}

BackwardWeightsPlan make_backward_weights_plan(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout,
                                               Layout dy_layout, bool bias, OneDnnAlgorithm alg) {
  const ConvDescs d = conv_descs(s, p, bias);
  const dnnl::convolution_backward_weights::desc desc(algorithm(alg), d.x_any, d.w_any,
                                                      d.bias_any, d.y_any, d.strides, d.dilates, d.pad_l, d.pad_r);
  BackwardWeightsPlan plan;
  plan.pd = dnnl::convolution_backward_weights::primitive_desc(desc, onednn::default_attr(), onednn::engine(),
                                                               forward_pd(d, alg));
  plan.prim = dnnl::convolution_backward_weights(plan.pd);
  plan.src = Reorder(onednn::activation_desc({s.N, s.C, s.H, s.W}, x_layout), plan.pd.src_desc());
  plan.diff_dst = Reorder(onednn::activation_desc({s.N, s.K, s.P, s.Q}, dy_layout), plan.pd.diff_dst_desc());
  plan.diff_weights = Reorder(plan.pd.diff_weights_desc(), d.w_plain, true);
  if (bias) plan.diff_bias = Reorder(plan.pd.diff_bias_desc(), d.bias_plain, true);
  return plan;
}


// w~ of forward_as_backward_data_applies: [K, C, R, S] -> [C, K, R, S] with the taps reversed.
Tensor transpose_flip_taps(const Tensor& w) {
  const int64_t K = w.dim(0), C = w.dim(1), RS = w.dim(2) * w.dim(3);
  Tensor t = Tensor::empty({C, K, w.dim(2), w.dim(3)});
  const float* src = w.data<float>();
  float* dst = t.data<float>();
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t i = 0; i < RS; ++i) dst[(c * K + k) * RS + i] = src[(k * C + c) * RS + RS - 1 - i];
    }
  }
  return t;
}

std::shared_ptr<const ForwardPlan> forward_plan(const Conv2dShape& s, const Conv2dParams& p, Layout x_layout,
                                                Layout y_layout, bool bias, OneDnnAlgorithm alg) {
  static onednn::PlanCache<ForwardPlan> cache;
  return cache.get(plan_key(ConvOp::kForward, alg, s, p, x_layout, y_layout, bias),
                   [&] { return make_forward_plan(s, p, x_layout, y_layout, bias, alg); });
}

std::shared_ptr<const BackwardDataPlan> backward_data_plan(const Conv2dShape& s, const Conv2dParams& p,
                                                           Layout dy_layout, Layout dx_layout, OneDnnAlgorithm alg) {
  static onednn::PlanCache<BackwardDataPlan> cache;
  return cache.get(plan_key(ConvOp::kBackwardData, alg, s, p, dy_layout, dx_layout, false),
                   [&] { return make_backward_data_plan(s, p, dy_layout, dx_layout, alg); });
}

std::shared_ptr<const BackwardWeightsPlan> backward_weights_plan(const Conv2dShape& s, const Conv2dParams& p,
                                                                 Layout x_layout, Layout dy_layout, bool bias,
                                                                 OneDnnAlgorithm alg) {
  static onednn::PlanCache<BackwardWeightsPlan> cache;
  return cache.get(plan_key(ConvOp::kBackwardWeights, alg, s, p, x_layout, dy_layout, bias),
                   [&] { return make_backward_weights_plan(s, p, x_layout, dy_layout, bias, alg); });
}

}  // namespace

Tensor onednn_conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p,
                           Layout y_layout, OneDnnAlgorithm alg) {
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  Tensor y = Tensor::empty({s.N, s.K, s.P, s.Q}, DType::kFloat32, Device::cpu(), y_layout);
  if (s.N == 0) return y;
  onednn::guarded("conv2d forward", [&] {
    const auto plan = forward_plan(s, p, x.layout(), y_layout, bias.defined(), alg);
    Tensor x_tmp, w_tmp, bias_tmp, y_tmp;
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, onednn::wrap(plan->pd.src_desc(), plan->src.convert(x, x_tmp))},
        {DNNL_ARG_WEIGHTS, onednn::wrap(plan->pd.weights_desc(), plan->weights.convert(w, w_tmp))}};
    if (bias.defined()) {
      args.emplace(DNNL_ARG_BIAS, onednn::wrap(plan->pd.bias_desc(), plan->bias.convert(bias, bias_tmp)));
    }
    if (!plan->dst.identity()) y_tmp = onednn::buffer_for(plan->pd.dst_desc());
    void* dst = plan->dst.identity() ? y.raw_data() : y_tmp.raw_data();
    args.emplace(DNNL_ARG_DST, onednn::wrap(plan->pd.dst_desc(), dst));
    onednn::execute(plan->prim, plan->pd, std::move(args));
    if (!plan->dst.identity()) plan->dst.run(dst, y.raw_data());
  });
  return y;
}

Tensor onednn_conv_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                                 const Conv2dParams& p, OneDnnAlgorithm alg) {
  const Conv2dShape s = conv2d_shape(x_shape, w.shape(), p);
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, Device::cpu(), x_layout);
  if (s.N == 0) return dx;
  onednn::guarded("conv2d backward data", [&] {
    const auto plan = backward_data_plan(s, p, dy.layout(), x_layout, alg);
    Tensor dy_tmp, w_tmp, dx_tmp;
    if (!plan->diff_src.identity()) dx_tmp = onednn::buffer_for(plan->pd.diff_src_desc());
    void* diff_src = plan->diff_src.identity() ? dx.raw_data() : dx_tmp.raw_data();
    onednn::execute(plan->prim, plan->pd,
                    {{DNNL_ARG_DIFF_DST, onednn::wrap(plan->pd.diff_dst_desc(), plan->diff_dst.convert(dy, dy_tmp))},
                     {DNNL_ARG_WEIGHTS, onednn::wrap(plan->pd.weights_desc(), plan->weights.convert(w, w_tmp))},
                     {DNNL_ARG_DIFF_SRC, onednn::wrap(plan->pd.diff_src_desc(), diff_src)}});
    if (!plan->diff_src.identity()) plan->diff_src.run(diff_src, dx.raw_data());
  });
  return dx;
}

void onednn_conv_backward_weights(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p,
                                  OneDnnAlgorithm alg) {
  const Conv2dShape s = conv2d_shape(x.shape(), dw.shape(), p);
  const bool with_bias = dbias != nullptr;
  if (s.N == 0) return;
  onednn::guarded("conv2d backward weights", [&] {
    const auto plan = backward_weights_plan(s, p, x.layout(), dy.layout(), with_bias, alg);
    Tensor x_tmp, dy_tmp;
    Tensor dw_tmp = onednn::buffer_for(plan->pd.diff_weights_desc());
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, onednn::wrap(plan->pd.src_desc(), plan->src.convert(x, x_tmp))},
        {DNNL_ARG_DIFF_DST, onednn::wrap(plan->pd.diff_dst_desc(), plan->diff_dst.convert(dy, dy_tmp))},
        {DNNL_ARG_DIFF_WEIGHTS, onednn::wrap(plan->pd.diff_weights_desc(), dw_tmp.raw_data())}};
    Tensor db_tmp;
    if (with_bias) {
      db_tmp = onednn::buffer_for(plan->pd.diff_bias_desc());
      args.emplace(DNNL_ARG_DIFF_BIAS, onednn::wrap(plan->pd.diff_bias_desc(), db_tmp.raw_data()));
    }
    onednn::execute(plan->prim, plan->pd, std::move(args));
    plan->diff_weights.run(dw_tmp.raw_data(), dw.raw_data());
    if (with_bias) plan->diff_bias.run(db_tmp.raw_data(), dbias->raw_data());
  });
}

bool onednn_winograd_applies(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in, Layout out,
                             bool bias) {
  // oneDNN's Winograd kernels are 3x3 stride-1 ones; asking for others only makes it say no.
  if (s.R != 3 || s.S != 3 || p.stride_h != 1 || p.stride_w != 1 || p.groups != 1 || p.dilation_h != 1 ||
      p.dilation_w != 1 || s.N == 0) {
    return false;
  }
  try {
    switch (pass) {
      case ConvPass::kForward: forward_plan(s, p, in, out, bias, OneDnnAlgorithm::kWinograd); break;
      case ConvPass::kBackwardData: backward_data_plan(s, p, in, out, OneDnnAlgorithm::kWinograd); break;
      case ConvPass::kBackwardWeights: backward_weights_plan(s, p, in, out, bias, OneDnnAlgorithm::kWinograd); break;
    }
    return true;
  } catch (const dnnl::error&) {
    return false;  // no Winograd implementation for this shape or host
  }
}

// A stride-1 convolution is the backward-data pass of another one: y = conv(x, w, pad p) equals
// conv^T(x, w~, pad R-1-p) with w~[c, k, r, s] = w[k, c, R-1-r, S-1-s]. oneDNN 2.6's AVX2
// backward-data kernel ran the 3x3 equal-width layers of the CIFAR ResNets faster than its forward
// kernel (benchmarks/RESULTS.md, "Forward through backward data"); it is a candidate route for
// those layers.
bool forward_as_backward_data_applies(const Conv2dShape& s, const Conv2dParams& p, bool bias) {
  return !bias && p.groups == 1 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 &&
         s.R == 3 && s.S == 3 && p.pad_h == 1 && p.pad_w == 1 && s.C == s.K && s.C % 8 == 0;
}

Tensor onednn_forward_as_backward_data(const Tensor& x, const Tensor& w, const Conv2dParams& p, Layout y_layout) {
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  Conv2dParams q = p;
  q.pad_h = static_cast<int>(s.R) - 1 - p.pad_h;
  q.pad_w = static_cast<int>(s.S) - 1 - p.pad_w;
  return onednn_conv_backward_data(x, transpose_flip_taps(w), {s.N, s.K, s.P, s.Q}, y_layout, q,
                                   OneDnnAlgorithm::kDirect);
}

}  // namespace revive::kernels::cpu
