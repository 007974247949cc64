// REVIVE_HD marks per-element math shared by the CPU loops and the CUDA kernels, so the CPU tests
// exercise the very code the GPU runs.
#pragma once

#if defined(__CUDACC__)
#define REVIVE_HD __host__ __device__ __forceinline__
#else
#define REVIVE_HD inline
#endif
