// The CUDA convolution backends of kernels/conv2d.h on cuDNN's convolution API: forward,
// backward data and backward filter, grouped and depthwise through the descriptor's group count.
//
// Plans: for each direction, shape, parameters and CudaOptions, one set of descriptors and one
// algorithm, chosen on the first call and cached (kernels/plan_cache.h), so a training step after
// the first makes no choice and no host synchronisation (what CUDA Graph capture needs):
//  - by default from cuDNN's heuristics (cudnnGetConvolution*Algorithm_v7: no kernels run);
//  - with CudaOptions::benchmark_algorithms, by timing the candidates (cudnnFind*AlgorithmEx on the
//    call's real buffers, a scratch output where the real one accumulates), once per plan.
// The first candidate is taken that succeeded, that kernels/cuda_math.h allows under the options
// (--deterministic: deterministic ones only), that supports the math type, and that needs at most
// kMaxWorkspace bytes. The options' meaning in cuDNN terms (which search, which math type) is
// decided in kernels/cuda_math.cpp; this file translates it.
//
// Workspaces come from the caching allocator for each call (DeviceBuffer), so steady state
// allocates nothing new. Bias terms are the kernels of kernels/cuda/bias.h.
//
// cuDNN 9 marks this API deprecated in favour of its graph API; it remains complete for these
// three operations, and moving to the graph API (through cudnn-frontend) is a self-contained
// change inside this file.
#include <algorithm>
#include <string>

#include "kernels/conv2d.h"
#include "kernels/cuda/bias.h"
#include "kernels/cuda/cudnn_descriptors.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/libraries.h"
#include "kernels/cuda_math.h"
#include "kernels/plan_cache.h"

namespace revive::kernels {
namespace {

using cuda::checked_int;

// Larger workspaces buy little for these layer sizes and risk running out of memory.
constexpr size_t kMaxWorkspace = size_t{256} << 20;

enum class ConvOp : int64_t { kForward, kBackwardData, kBackwardFilter };

struct ConvDescs {
  cuda::TensorDescriptor x, y;
  cuda::FilterDescriptor w;
  cuda::ConvolutionDescriptor conv;
};

ConvDescs make_descs(const Conv2dShape& s, const Conv2dParams& p) {
  const char* op = "conv2d";
  return ConvDescs{
      cuda::TensorDescriptor(checked_int(s.N, op), checked_int(s.C, op), checked_int(s.H, op), checked_int(s.W, op)),
      cuda::TensorDescriptor(checked_int(s.N, op), checked_int(s.K, op), checked_int(s.P, op), checked_int(s.Q, op)),
      cuda::FilterDescriptor(checked_int(s.K, op), checked_int(s.C / p.groups, op), checked_int(s.R, op),
                             checked_int(s.S, op)),
      cuda::ConvolutionDescriptor(p.pad_h, p.pad_w, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.groups)};
}

struct ConvPlan {
  ConvDescs d;
  int algo = 0;  // the direction's cudnnConvolution*Algo_t
  size_t workspace = 0;
};

// Per-direction calls, so one selection routine serves all three.
struct ForwardApi {
  using Perf = cudnnConvolutionFwdAlgoPerf_t;
  using Algo = cudnnConvolutionFwdAlgo_t;
  static constexpr int kCount = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  static constexpr const char* kName = "forward";
  static constexpr ConvDirection kDirection = ConvDirection::kForward;
  static cudnnStatus_t heuristics(const ConvDescs& d, int* n, Perf* perf) {
    return cudnnGetConvolutionForwardAlgorithm_v7(cuda::cudnn(), d.x.get(), d.w.get(), d.conv.get(), d.y.get(), kCount,
                                                  n, perf);
  }
  static cudnnStatus_t workspace(const ConvDescs& d, Algo a, size_t* bytes) {
    return cudnnGetConvolutionForwardWorkspaceSize(cuda::cudnn(), d.x.get(), d.w.get(), d.conv.get(), d.y.get(), a,
                                                   bytes);
  }
};

struct BackwardDataApi {
  using Perf = cudnnConvolutionBwdDataAlgoPerf_t;
  using Algo = cudnnConvolutionBwdDataAlgo_t;
  static constexpr int kCount = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  static constexpr const char* kName = "backward data";
  static constexpr ConvDirection kDirection = ConvDirection::kBackwardData;
  static cudnnStatus_t heuristics(const ConvDescs& d, int* n, Perf* perf) {
    return cudnnGetConvolutionBackwardDataAlgorithm_v7(cuda::cudnn(), d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                                                       kCount, n, perf);
  }
  static cudnnStatus_t workspace(const ConvDescs& d, Algo a, size_t* bytes) {
    return cudnnGetConvolutionBackwardDataWorkspaceSize(cuda::cudnn(), d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                                                        a, bytes);
  }
};

struct BackwardFilterApi {
  using Perf = cudnnConvolutionBwdFilterAlgoPerf_t;
  using Algo = cudnnConvolutionBwdFilterAlgo_t;
  static constexpr int kCount = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  static constexpr const char* kName = "backward filter";
  static constexpr ConvDirection kDirection = ConvDirection::kBackwardFilter;
  static cudnnStatus_t heuristics(const ConvDescs& d, int* n, Perf* perf) {
    return cudnnGetConvolutionBackwardFilterAlgorithm_v7(cuda::cudnn(), d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
                                                         kCount, n, perf);
  }
  static cudnnStatus_t workspace(const ConvDescs& d, Algo a, size_t* bytes) {
    return cudnnGetConvolutionBackwardFilterWorkspaceSize(cuda::cudnn(), d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
                                                          a, bytes);
  }
};

std::string describe(const Conv2dShape& s, const Conv2dParams& p) {
  return "x [" + std::to_string(s.N) + ", " + std::to_string(s.C) + ", " + std::to_string(s.H) + ", " +
         std::to_string(s.W) + "], w [" + std::to_string(s.K) + ", " + std::to_string(s.C / p.groups) + ", " +
         std::to_string(s.R) + ", " + std::to_string(s.S) + "], stride " + std::to_string(p.stride_h) + "x" +
         std::to_string(p.stride_w) + ", pad " + std::to_string(p.pad_h) + "x" + std::to_string(p.pad_w) +
         ", groups " + std::to_string(p.groups);
}

// The algorithm numbers kernels/cuda_math.cpp names.
static_assert(CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 == 0 && CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 == 0 &&
                  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3 == 3,
              "cuDNN's algorithm numbering changed: update conv_algorithm_allowed");

cudnnMathType_t cudnn_math(ConvMath m, cudnnMathType_t candidate) {
  switch (m) {
    case ConvMath::kFma: return CUDNN_FMA_MATH;
    case ConvMath::kDefault: return CUDNN_DEFAULT_MATH;
    case ConvMath::kCandidate: return candidate;
  }
  return CUDNN_FMA_MATH;
}

// Picks the first usable candidate of perf[0, n) (ordered best first by cuDNN) and leaves the
// descriptor set to its math type.
template <class Api>
ConvPlan select(ConvDescs d, const typename Api::Perf* perf, int n, const CudaMathChoice& m, const std::string& what) {
  for (int i = 0; i < n; ++i) {
    const typename Api::Perf& c = perf[i];
    if (c.status != CUDNN_STATUS_SUCCESS) continue;
    if (!conv_algorithm_allowed(m, Api::kDirection, static_cast<int>(c.algo), c.determinism == CUDNN_DETERMINISTIC)) {
      continue;
    }
    if (cudnnSetConvolutionMathType(d.conv.get(), cudnn_math(m.run_math, c.mathType)) != CUDNN_STATUS_SUCCESS) continue;
    size_t bytes = 0;
    if (Api::workspace(d, c.algo, &bytes) != CUDNN_STATUS_SUCCESS || bytes > kMaxWorkspace) continue;
    return ConvPlan{std::move(d), static_cast<int>(c.algo), bytes};
  }
  REVIVE_THROW("conv2d " << Api::kName << ": cuDNN offers no " << (m.deterministic_only ? "deterministic " : "")
                         << "algorithm within " << (kMaxWorkspace >> 20) << " MiB of workspace for " << what);
}

// The plan of one direction. find(descs, perf, &n) runs cudnnFind*AlgorithmEx when the options ask
// for timed selection.
template <class Api, class Find>
std::shared_ptr<const ConvPlan> plan_for(ConvOp op, const Conv2dShape& s, const Conv2dParams& p, Find&& find) {
  static auto* cache = new PlanCache<ConvPlan>();  // never destroyed: descriptors outlive static teardown
  const CudaOptions o = cuda_options();
  const CudaMathChoice m = cuda_math_choice(o);
  const PlanKey key{static_cast<int64_t>(op), s.N, s.C, s.H, s.W, s.K, s.R, s.S, p.stride_h, p.stride_w, p.pad_h,
                    p.pad_w, p.dilation_h, p.dilation_w, p.groups, o.deterministic, o.allow_tf32,
                    o.benchmark_algorithms};
  return cache->get(key, [&] {
    ConvDescs d = make_descs(s, p);
    // The math type candidates are timed or ranked with.
    REVIVE_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), cudnn_math(m.rank_math, CUDNN_FMA_MATH)));
    typename Api::Perf perf[Api::kCount];
    int n = 0;
    if (m.search == ConvAlgoSearch::kTimed) {
      size_t free_bytes = 0, total_bytes = 0;
      REVIVE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
      cuda::DeviceBuffer workspace(std::min(kMaxWorkspace, free_bytes / 2));
      REVIVE_CUDNN_CHECK(find(d, workspace, perf, &n));
    } else {
      REVIVE_CUDNN_CHECK(Api::heuristics(d, &n, perf));
    }
    return select<Api>(std::move(d), perf, n, m, describe(s, p));
  });
}

const float kOne = 1.0f, kZero = 0.0f;

}  // namespace

Tensor conv2d_forward_cuda(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  cuda::check_operand(x, "conv2d", "x");
  cuda::check_operand(w, "conv2d", "w");
  if (bias.defined()) cuda::check_operand(bias, "conv2d", "bias");
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  Tensor y = Tensor::empty({s.N, s.K, s.P, s.Q}, DType::kFloat32, x.device());
  if (s.N == 0) return y;
  const auto plan = plan_for<ForwardApi>(ConvOp::kForward, s, p, [&](const ConvDescs& d, const cuda::DeviceBuffer& ws,
                                                                      ForwardApi::Perf* perf, int* n) {
    return cudnnFindConvolutionForwardAlgorithmEx(cuda::cudnn(), d.x.get(), x.raw_data(), d.w.get(), w.raw_data(),
                                                  d.conv.get(), d.y.get(), y.raw_data(), ForwardApi::kCount, n, perf,
                                                  ws.data(), ws.bytes());
  });
  cuda::DeviceBuffer ws(plan->workspace);
  REVIVE_CUDNN_CHECK(cudnnConvolutionForward(cuda::cudnn(), &kOne, plan->d.x.get(), x.raw_data(), plan->d.w.get(),
                                             w.raw_data(), plan->d.conv.get(),
                                             static_cast<cudnnConvolutionFwdAlgo_t>(plan->algo), ws.data(), ws.bytes(),
                                             &kZero, plan->d.y.get(), y.raw_data()));
  REVIVE_CUDA_CHECK_LAUNCH();  // REVIVE_SYNC_AFTER_LAUNCH covers library kernels too
  if (bias.defined()) cuda::bias_add(y.data<float>(), bias.data<float>(), s.N, s.K, s.P * s.Q);
  return y;
}

Tensor conv2d_backward_data_cuda(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& p) {
  cuda::check_operand(dy, "conv2d backward data", "dy");
  cuda::check_operand(w, "conv2d backward data", "w");
  const Conv2dShape s = conv2d_shape(x_shape, w.shape(), p);
  Tensor dx = Tensor::empty(x_shape, DType::kFloat32, dy.device());
  if (s.N == 0) return dx;
  const auto plan = plan_for<BackwardDataApi>(
      ConvOp::kBackwardData, s, p,
      [&](const ConvDescs& d, const cuda::DeviceBuffer& ws, BackwardDataApi::Perf* perf, int* n) {
        return cudnnFindConvolutionBackwardDataAlgorithmEx(cuda::cudnn(), d.w.get(), w.raw_data(), d.y.get(),
                                                           dy.raw_data(), d.conv.get(), d.x.get(), dx.raw_data(),
                                                           BackwardDataApi::kCount, n, perf, ws.data(), ws.bytes());
      });
  cuda::DeviceBuffer ws(plan->workspace);
  REVIVE_CUDNN_CHECK(cudnnConvolutionBackwardData(cuda::cudnn(), &kOne, plan->d.w.get(), w.raw_data(),
                                                  plan->d.y.get(), dy.raw_data(), plan->d.conv.get(),
                                                  static_cast<cudnnConvolutionBwdDataAlgo_t>(plan->algo), ws.data(),
                                                  ws.bytes(), &kZero, plan->d.x.get(), dx.raw_data()));
  REVIVE_CUDA_CHECK_LAUNCH();  // REVIVE_SYNC_AFTER_LAUNCH covers library kernels too
  return dx;
}

void conv2d_backward_weights_cuda(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p) {
  cuda::check_operand(dw, "conv2d backward weights", "dw");
  cuda::check_operand(x, "conv2d backward weights", "x");
  cuda::check_operand(dy, "conv2d backward weights", "dy");
  if (dbias != nullptr) cuda::check_operand(*dbias, "conv2d backward weights", "dbias");
  const Conv2dShape s = conv2d_shape(x.shape(), dw.shape(), p);
  if (s.N == 0) return;
  const auto plan = plan_for<BackwardFilterApi>(
      ConvOp::kBackwardFilter, s, p,
      [&](const ConvDescs& d, const cuda::DeviceBuffer& ws, BackwardFilterApi::Perf* perf, int* n) {
        // Timing writes its output; dw accumulates, so it gets a scratch copy.
        cuda::DeviceBuffer scratch(dw.nbytes());
        return cudnnFindConvolutionBackwardFilterAlgorithmEx(cuda::cudnn(), d.x.get(), x.raw_data(), d.y.get(),
                                                             dy.raw_data(), d.conv.get(), d.w.get(), scratch.data(),
                                                             BackwardFilterApi::kCount, n, perf, ws.data(), ws.bytes());
      });
  cuda::DeviceBuffer ws(plan->workspace);
  // beta = 1: dw += the gradient, the accumulation kernels/conv2d.h promises.
  REVIVE_CUDNN_CHECK(cudnnConvolutionBackwardFilter(cuda::cudnn(), &kOne, plan->d.x.get(), x.raw_data(),
                                                    plan->d.y.get(), dy.raw_data(), plan->d.conv.get(),
                                                    static_cast<cudnnConvolutionBwdFilterAlgo_t>(plan->algo),
                                                    ws.data(), ws.bytes(), &kOne, plan->d.w.get(), dw.raw_data()));
  REVIVE_CUDA_CHECK_LAUNCH();  // REVIVE_SYNC_AFTER_LAUNCH covers library kernels too
  if (dbias != nullptr) cuda::bias_grad_accumulate(dbias->data<float>(), dy.data<float>(), s.N, s.K, s.P * s.Q);
}

}  // namespace revive::kernels
