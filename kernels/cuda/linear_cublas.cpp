// The CUDA linear-layer backends of kernels/linear.h: one cuBLAS SGEMM per direction.
//
// cuBLAS is column-major, and a row-major [rows, cols] matrix is the column-major [cols, rows]
// matrix with the same buffer, i.e. its transpose. So each row-major product is computed as its
// transpose (operand order swapped), nothing copied:
//   forward   y[N, OUT]   = x w^T     <=>  y^T  = w  x^T    gemm(T, N, m=OUT, n=N,   k=IN)
//   data      dx[N, IN]   = dy w      <=>  dx^T = w^T dy^T  gemm(N, N, m=IN,  n=N,   k=OUT)
//   weights   dw[OUT, IN] += dy^T x   <=>  dw^T += x^T dy   gemm(N, T, m=IN,  n=OUT, k=N), beta 1
// Math mode: kernels/cuda_math.h's choice (full float32 unless CudaOptions::allow_tf32). The handle's
// workspace is its own (runtime.cpp), so the calls allocate nothing and can be graph-captured.
#include "kernels/cuda/bias.h"
#include "kernels/cuda/libraries.h"
#include "kernels/cuda/runtime.h"
#include "kernels/cuda_math.h"
#include "kernels/linear.h"

namespace revive::kernels {
namespace {

const float kOne = 1.0f, kZero = 0.0f;

// C[m, n] (column-major, ldc = m) = alpha op(A) op(B) + beta C.
void gemm(cublasOperation_t op_a, cublasOperation_t op_b, int64_t m, int64_t n, int64_t k, const float* a,
          int64_t lda, const float* b, int64_t ldb, const float* beta, float* c) {
  const char* op = "linear";
  cublasHandle_t h = cuda::cublas();
  const GemmMath math = cuda_math_choice(cuda_options()).gemm_math;
  REVIVE_CUBLAS_CHECK(cublasSetMathMode(h, math == GemmMath::kTf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  REVIVE_CUBLAS_CHECK(cublasSgemm(h, op_a, op_b, cuda::checked_int(m, op), cuda::checked_int(n, op),
                                  cuda::checked_int(k, op), &kOne, a, cuda::checked_int(lda, op), b,
                                  cuda::checked_int(ldb, op), beta, c, cuda::checked_int(m, op)));
  REVIVE_CUDA_CHECK_LAUNCH();  // REVIVE_SYNC_AFTER_LAUNCH covers library kernels too
}

}  // namespace

Tensor linear_forward_cuda(const Tensor& x, const Tensor& w, const Tensor& bias) {
  cuda::check_operand(x, "linear", "x");
  cuda::check_operand(w, "linear", "w");
  if (bias.defined()) cuda::check_operand(bias, "linear", "bias");
  const int64_t N = x.dim(0), IN = x.dim(1), OUT = w.dim(0);
  Tensor y = Tensor::empty({N, OUT}, DType::kFloat32, x.device());
  if (N == 0) return y;
  gemm(CUBLAS_OP_T, CUBLAS_OP_N, OUT, N, IN, w.data<float>(), IN, x.data<float>(), IN, &kZero, y.data<float>());
  if (bias.defined()) cuda::bias_add(y.data<float>(), bias.data<float>(), N, OUT, 1);
  return y;
}

Tensor linear_backward_data_cuda(const Tensor& dy, const Tensor& w) {
  cuda::check_operand(dy, "linear backward data", "dy");
  cuda::check_operand(w, "linear backward data", "w");
  const int64_t N = dy.dim(0), IN = w.dim(1), OUT = w.dim(0);
  Tensor dx = Tensor::empty({N, IN}, DType::kFloat32, dy.device());
  if (N == 0) return dx;
  gemm(CUBLAS_OP_N, CUBLAS_OP_N, IN, N, OUT, w.data<float>(), IN, dy.data<float>(), OUT, &kZero, dx.data<float>());
  return dx;
}

void linear_backward_weights_cuda(Tensor& dw, Tensor* db, const Tensor& x, const Tensor& dy) {
  cuda::check_operand(dw, "linear backward weights", "dw");
  cuda::check_operand(x, "linear backward weights", "x");
  cuda::check_operand(dy, "linear backward weights", "dy");
  if (db != nullptr) cuda::check_operand(*db, "linear backward weights", "db");
  const int64_t N = x.dim(0), IN = x.dim(1), OUT = dy.dim(1);
  if (N == 0) return;
  gemm(CUBLAS_OP_N, CUBLAS_OP_T, IN, OUT, N, x.data<float>(), IN, dy.data<float>(), OUT, &kOne, dw.data<float>());
  if (db != nullptr) cuda::bias_grad_accumulate(db->data<float>(), dy.data<float>(), N, OUT, 1);
}

}  // namespace revive::kernels
