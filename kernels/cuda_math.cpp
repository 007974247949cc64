#include "kernels/cuda_math.h"

namespace revive::kernels {

CudaMathChoice cuda_math_choice(const CudaOptions& o) {
  CudaMathChoice c;
  c.search = o.benchmark_algorithms ? ConvAlgoSearch::kTimed : ConvAlgoSearch::kHeuristics;
  c.deterministic_only = o.deterministic;
  c.rank_math = o.allow_tf32 ? ConvMath::kDefault : ConvMath::kFma;
  c.run_math = o.allow_tf32 ? ConvMath::kCandidate : ConvMath::kFma;
  c.gemm_math = o.allow_tf32 ? GemmMath::kTf32 : GemmMath::kDefault;
  return c;
}

bool conv_algorithm_allowed(const CudaMathChoice& choice, ConvDirection direction, int algo,
                            bool reported_deterministic) {
  if (!choice.deterministic_only) return true;
  if (!reported_deterministic) return false;
  // cuDNN's header marks these non-deterministic (they add with atomics), whatever a query reports:
  // CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 = 0, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 = 0 and _3 = 3
  // (conv2d_cudnn.cpp checks the values against the header).
  switch (direction) {
    case ConvDirection::kForward: return true;
    case ConvDirection::kBackwardData: return algo != 0;
    case ConvDirection::kBackwardFilter: return algo != 0 && algo != 3;
  }
  return false;
}

std::string describe(const CudaMathChoice& c) {
  std::string s = c.search == ConvAlgoSearch::kTimed ? "cuDNN timed algorithm choice" : "cuDNN heuristics";
  s += c.deterministic_only ? ", deterministic algorithms only" : ", any algorithm";
  s += c.run_math == ConvMath::kFma ? ", fp32 (FMA) math" : ", TF32 tensor cores allowed";
  s += c.gemm_math == GemmMath::kTf32 ? "; cuBLAS TF32 tensor-op math" : "; cuBLAS fp32 math";
  return s;
}

}  // namespace revive::kernels
