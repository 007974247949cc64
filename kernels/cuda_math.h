// What the CUDA math options (kernels/device_runtime.h CudaOptions, `revive train --deterministic
// --tf32 --cudnn-benchmark`) make cuDNN and cuBLAS do, decided here without CUDA headers so that
// the mapping is tested on machines without a GPU (tests/kernels/cuda_math_test.cpp). The cuDNN
// and cuBLAS calls (kernels/cuda/conv2d_cudnn.cpp, linear_cublas.cpp) only translate these enums
// into the libraries' own.
//
//   option             cuDNN convolutions                                 cuBLAS SGEMM
//   (none)             heuristics (cudnnGet*_v7), FMA math (plain fp32)   default math (plain fp32)
//   --deterministic    only algorithms cuDNN reports deterministic, and   unchanged (cuBLAS SGEMM
//                      never those that add with atomics (backward data   is deterministic on one
//                      ALGO_0, backward filter ALGO_0 and ALGO_3)         stream)
//   --tf32             ranked with default math, run with the chosen      TF32 tensor-op math
//                      candidate's math type (TF32 tensor cores allowed)
//   --cudnn-benchmark  timed: cudnnFind*AlgorithmEx once per shape        unchanged
//
// revive's own CUDA kernels use no floating-point atomics (their atomics add integers, whose order
// does not matter), so they are deterministic with or without --deterministic.
#pragma once

#include <string>

#include "kernels/device_runtime.h"

namespace revive::kernels {

enum class ConvAlgoSearch {
  kHeuristics,  // cuDNN's ranking, no kernels run
  kTimed,       // every candidate timed once per shape on the call's buffers
};

enum class ConvMath {
  kFma,        // CUDNN_FMA_MATH: float32 multiply-adds only, the CPU path's precision
  kDefault,    // CUDNN_DEFAULT_MATH: tensor-op candidates ranked too (TF32 on Ampere and newer)
  kCandidate,  // the math type the chosen candidate reports
};

enum class GemmMath {
  kDefault,  // CUBLAS_DEFAULT_MATH: float32
  kTf32,     // CUBLAS_TF32_TENSOR_OP_MATH
};

enum class ConvDirection { kForward, kBackwardData, kBackwardFilter };

struct CudaMathChoice {
  ConvAlgoSearch search = ConvAlgoSearch::kHeuristics;
  bool deterministic_only = false;  // candidates must be deterministic (conv_algorithm_allowed)
  ConvMath rank_math = ConvMath::kFma;  // the descriptor's math type while candidates are ranked
  ConvMath run_math = ConvMath::kFma;   // the math type the chosen algorithm runs with
  GemmMath gemm_math = GemmMath::kDefault;
};

CudaMathChoice cuda_math_choice(const CudaOptions& options);

// Whether a cuDNN candidate may be chosen: `algo` is the direction's cudnnConvolution*Algo_t
// value, `reported_deterministic` cuDNN's CUDNN_DETERMINISTIC for it.
bool conv_algorithm_allowed(const CudaMathChoice& choice, ConvDirection direction, int algo,
                            bool reported_deterministic);

// One line for the run's log: "cuDNN heuristics, any algorithm, fp32 (FMA) math; cuBLAS fp32".
std::string describe(const CudaMathChoice& choice);

}  // namespace revive::kernels
