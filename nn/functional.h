// Differentiable ops: each computes its output through kernels/ and records its backward
// (core/autograd.h). This header is the registry of backward formulas: every op below names the
// tensors its node saves and the gradient it returns. One .cpp per op in nn/functional/.
//
// Layouts: ops marked "keeps layout" return their input's layout (plain or blocked); conv2d
// returns kernels::preferred_layout() on the CPU; ops marked "plain" return plain tensors. CUDA
// tensors are always plain.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "kernels/batch_norm.h"
#include "kernels/conv2d.h"
#include "kernels/pool2d.h"

namespace revive::nn::functional {

// x [N, C, H, W], w [K, C/groups, R, S], bias [K] or undefined -> [N, K, P, Q].
// Saves x, w. dx = conv_transpose(dy, w); dw += corr(x, dy); dbias += sum_{n,p,q} dy.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const kernels::Conv2dParams& p);

// x [N, IN], w [OUT, IN], bias [OUT] or undefined -> [N, OUT] (plain). y = x w^T + b.
// Saves x, w. dx = dy w; dw += dy^T x; db += sum_n dy.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);

// Batch norm over (N, H, W) per channel; keeps layout. Training: batch statistics, and
// running_mean/var updated in place (momentum as PyTorch: r = (1-m) r + m stat, var unbiased).
// Eval: running statistics. Saves x, gamma, batch mean and inverse std (training).
// dx = gamma*istd/M * (M dy - sum dy - xhat sum(dy xhat)); dgamma += sum dy xhat; dbeta += sum dy.
// act: relu or relu6 of the result, fused (equal to batch_norm then relu, bit for bit, with two
// passes over the activations fewer); the node then also saves the forward's scale and shift, and
// masks dy by the rectifier's gradient before the formulas above.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor& running_mean,
                  Tensor& running_var, bool training, float momentum = 0.1f, float eps = 1e-5f,
                  kernels::BnActivation act = kernels::BnActivation::kNone);

// Keeps layout. Save y. dx = dy * [y > 0] (relu6: [0 < y < 6]).
Tensor relu(const Tensor& x);
Tensor relu6(const Tensor& x);

// Keeps layout (a and b must match in shape; layouts are unified to a's). da = db = dy.
Tensor add(const Tensor& a, const Tensor& b);
// relu(a + b) in one pass (a residual block's end), as add then relu bit for bit. Saves y.
// da = db = dy [y > 0].
Tensor add_relu(const Tensor& a, const Tensor& b);

// Pools; keep layout. max: dx routes dy to the first maximum of each window (PyTorch tie rule).
// avg: count_include_pad = true (PyTorch default).
Tensor max_pool2d(const Tensor& x, const kernels::Pool2dParams& p);
Tensor avg_pool2d(const Tensor& x, const kernels::Pool2dParams& p);
// [N, C, H, W] -> [N, C] (plain). dx = dy / (H W) broadcast.
Tensor global_avg_pool(const Tensor& x);

// Concatenation along channels; plain. dx_i = the slice of dy.
Tensor concat(const std::vector<Tensor>& xs);
// ShuffleNet channel shuffle: [N, g*c, H, W] viewed [N, g, c, H, W], transposed to [N, c, g, H, W]; plain.
Tensor channel_shuffle(const Tensor& x, int groups);

// Option-A shortcut of the CIFAR ResNets: x[:, :, ::stride, ::stride] with pad_front zero channels
// before and pad_back after; keeps layout on the CPU. dx = the matching slice of dy, zeros elsewhere.
Tensor subsample_pad_channels(const Tensor& x, int stride, int pad_front, int pad_back);

// [N, ...] -> [N, prod(...)] (plain; converts a blocked input). dx = dy reshaped.
Tensor flatten(const Tensor& x);

// Mean over the batch of -log softmax(logits)[label]; logits [N, K] plain, labels int64 [N] in [0, K).
// Saves softmax probabilities. dlogits = (softmax - onehot) / N * dloss.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels);

}  // namespace revive::nn::functional

namespace revive {
namespace F = nn::functional;
}
