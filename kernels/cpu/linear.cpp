// The CPU linear entry points of kernels/linear.h on oneDNN matmul (see the header for the maths).
#include "kernels/linear.h"

#include "kernels/cpu/onednn_context.h"

namespace revive::kernels {
namespace {

using onednn::memory;

// A row-major [rows, cols] matrix read transposed: the [cols, rows] view of its buffer.
memory::desc transposed_desc(int64_t rows, int64_t cols) {
  return memory::desc({cols, rows}, memory::data_type::f32, memory::dims{1, cols});
}

struct MatmulPlan {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};

// dst (+)= src weights (+ bias); `accumulate` adds into dst through a sum post-op.
MatmulPlan make_plan(const memory::desc& src, const memory::desc& weights, const memory::desc& bias,
                     const memory::desc& dst, bool accumulate) {
  dnnl::primitive_attr attr = onednn::default_attr();
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  MatmulPlan plan;
  plan.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, bias, dst), attr, onednn::engine());
  plan.prim = dnnl::matmul(plan.pd);
  return plan;
}

enum class LinearOp : int64_t { kForward, kBackwardData, kBackwardWeights };

std::shared_ptr<const MatmulPlan> plan_for(LinearOp op, int64_t N, int64_t IN, int64_t OUT, bool bias) {
  static onednn::PlanCache<MatmulPlan> cache;
  return cache.get({static_cast<int64_t>(op), N, IN, OUT, bias ? 1 : 0}, [&] {
    switch (op) {
      case LinearOp::kForward:  // y[N, OUT] = x[N, IN] w^T[IN, OUT] + b[1, OUT]
        return make_plan(onednn::plain_desc({N, IN}), transposed_desc(OUT, IN),
                         bias ? onednn::plain_desc({1, OUT}) : memory::desc(), onednn::plain_desc({N, OUT}), false);
      case LinearOp::kBackwardData:  // dx[N, IN] = dy[N, OUT] w[OUT, IN]
        return make_plan(onednn::plain_desc({N, OUT}), onednn::plain_desc({OUT, IN}), memory::desc(),
                         onednn::plain_desc({N, IN}), false);
      case LinearOp::kBackwardWeights:  // dw[OUT, IN] += dy^T[OUT, N] x[N, IN]
        return make_plan(transposed_desc(N, OUT), onednn::plain_desc({N, IN}), memory::desc(),
                         onednn::plain_desc({OUT, IN}), true);
    }
    REVIVE_THROW("unknown linear op");
  });
}

}  // namespace

Tensor linear_forward_cpu(const Tensor& x, const Tensor& w, const Tensor& bias) {
  const int64_t N = x.dim(0), IN = x.dim(1), OUT = w.dim(0);
  Tensor y = Tensor::empty({N, OUT});
  if (N == 0) return y;
  onednn::guarded("linear forward", [&] {
    const auto plan = plan_for(LinearOp::kForward, N, IN, OUT, bias.defined());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, onednn::wrap(plan->pd.src_desc(), x.raw_data())},
                                         {DNNL_ARG_WEIGHTS, onednn::wrap(plan->pd.weights_desc(), w.raw_data())},
                                         {DNNL_ARG_DST, onednn::wrap(plan->pd.dst_desc(), y.raw_data())}};
    if (bias.defined()) args.emplace(DNNL_ARG_BIAS, onednn::wrap(plan->pd.bias_desc(), bias.raw_data()));
    onednn::execute(plan->prim, plan->pd, std::move(args));
  });
  return y;
}

Tensor linear_backward_data_cpu(const Tensor& dy, const Tensor& w) {
  const int64_t N = dy.dim(0), IN = w.dim(1), OUT = w.dim(0);
  Tensor dx = Tensor::empty({N, IN});
  if (N == 0) return dx;
  onednn::guarded("linear backward data", [&] {
    const auto plan = plan_for(LinearOp::kBackwardData, N, IN, OUT, false);
    onednn::execute(plan->prim, plan->pd,
                    {{DNNL_ARG_SRC, onednn::wrap(plan->pd.src_desc(), dy.raw_data())},
                     {DNNL_ARG_WEIGHTS, onednn::wrap(plan->pd.weights_desc(), w.raw_data())},
                     {DNNL_ARG_DST, onednn::wrap(plan->pd.dst_desc(), dx.raw_data())}});
  });
  return dx;
}

void linear_backward_weights_cpu(Tensor& dw, Tensor* db, const Tensor& x, const Tensor& dy) {
  const int64_t N = x.dim(0), IN = x.dim(1), OUT = dy.dim(1);
  const bool with_bias = db != nullptr;
  if (N == 0) return;
  onednn::guarded("linear backward weights", [&] {
    const auto plan = plan_for(LinearOp::kBackwardWeights, N, IN, OUT, false);
    onednn::execute(plan->prim, plan->pd,
                    {{DNNL_ARG_SRC, onednn::wrap(plan->pd.src_desc(), dy.raw_data())},
                     {DNNL_ARG_WEIGHTS, onednn::wrap(plan->pd.weights_desc(), x.raw_data())},
                     {DNNL_ARG_DST, onednn::wrap(plan->pd.dst_desc(), dw.raw_data())}});
  });
  if (with_bias) {
    // A column sum over N rows of OUT values: far too small to be worth a primitive.
    float* b = db->data<float>();
    const float* g = dy.data<float>();
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t o = 0; o < OUT; ++o) b[o] += g[n * OUT + o];
    }
  }
}

}  // namespace revive::kernels
