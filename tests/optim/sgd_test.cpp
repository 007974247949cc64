#include "optim/sgd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "support/allclose.h"

namespace revive::optim {
namespace {

// ---- Three steps against values worked out by hand -------------------------------------------
// Two parameters p0 = (1, -2), lr 0.5, per-step gradients g1 = (1/2, -1/4), g2 = (-1, 3/4),
// g3 = (1/4, 3/2); where used: momentum 1/2, dampening 1/4, weight decay 1/8. Every value is a
// short dyadic fraction, so float arithmetic is exact and the comparisons are equalities.
// Worked example (momentum + dampening, first element):
//   step 1: buf = g1 = 1/2 (PyTorch's first step ignores dampening); p = 1 - 1/2*1/2 = 3/4
//   step 2: buf = 1/2*1/2 + 3/4*(-1) = -1/2;                         p = 3/4 + 1/4 = 1
//   step 3: buf = 1/2*(-1/2) + 3/4*1/4 = -1/16;                      p = 1 + 1/32 = 33/32
struct HandCase {
  const char* name;
  SgdOptions options;
  std::vector<std::vector<float>> params_after;  // after steps 1, 2, 3
  std::vector<float> momentum_after;             // after step 3 (empty: no momentum)
};

SgdOptions opts(double momentum, double dampening, double weight_decay, bool nesterov) {
  SgdOptions o;
  o.lr = 0.5;
  o.momentum = momentum;
  o.dampening = dampening;
  o.weight_decay = weight_decay;
  o.nesterov = nesterov;
  return o;
}

const std::vector<HandCase>& hand_cases() {
  static const std::vector<HandCase> cases{
      {"plain", opts(0, 0, 0, false), {{3 / 4.f, -15 / 8.f}, {5 / 4.f, -9 / 4.f}, {9 / 8.f, -3.f}}, {}},
      {"weight_decay",
       opts(0, 0, 0.125, false),
       {{11 / 16.f, -7 / 4.f}, {293 / 256.f, -129 / 64.f}, {3883 / 4096.f, -2703 / 1024.f}},
       {}},
      {"momentum",
       opts(0.5, 0, 0, false),
       {{3 / 4.f, -15 / 8.f}, {9 / 8.f, -35 / 16.f}, {19 / 16.f, -99 / 32.f}},
       {-1 / 8.f, 29 / 16.f}},
      {"momentum_dampening",
       opts(0.5, 0.25, 0, false),
       {{3 / 4.f, -15 / 8.f}, {1.f, -67 / 32.f}, {33 / 32.f, -177 / 64.f}},
       {-1 / 16.f, 43 / 32.f}},
      {"nesterov",
       opts(0.5, 0, 0, true),
       {{5 / 8.f, -29 / 16.f}, {21 / 16.f, -75 / 32.f}, {39 / 32.f, -227 / 64.f}},
       {-1 / 8.f, 29 / 16.f}},
      {"momentum_weight_decay",
       opts(0.5, 0, 0.125, false),
       {{11 / 16.f, -7 / 4.f}, {253 / 256.f, -121 / 64.f}, {3899 / 4096.f, -2655 / 1024.f}},
       {149 / 2048.f, 719 / 512.f}},
      {"momentum_dampening_weight_decay",
       opts(0.5, 0.25, 0.125, false),
       {{11 / 16.f, -7 / 4.f}, {895 / 1024.f, -467 / 256.f}, {54563 / 65536.f, -38311 / 16384.f}},
       {2717 / 32768.f, 8423 / 8192.f}},
      {"nesterov_weight_decay",
       opts(0.5, 0, 0.125, true),
       {{17 / 32.f, -13 / 8.f}, {1181 / 1024.f, -505 / 256.f}, {30649 / 32768.f, -24165 / 8192.f}},
       {685 / 8192.f, 2871 / 2048.f}},
  };
  return cases;
}

const std::vector<std::vector<float>> kHandGrads{{0.5f, -0.25f}, {-1.0f, 0.75f}, {0.25f, 1.5f}};

TEST(Sgd, ThreeStepsMatchHandComputedValues) {
  for (const HandCase& c : hand_cases()) {
    SCOPED_TRACE(c.name);
    Tensor params = Tensor::from_vector<float>({1.0f, -2.0f}, {2});
    SgdOptimizer sgd(c.options, params);
    for (size_t step = 0; step < 3; ++step) {
      sgd.step(params, Tensor::from_vector<float>(kHandGrads[step], {2}), static_cast<float>(c.options.lr));
      EXPECT_EQ(params.to_vector<float>(), c.params_after[step]) << "after step " << step + 1;
    }
    if (c.momentum_after.empty()) {
      EXPECT_FALSE(sgd.momentum().defined());
    } else {
      EXPECT_EQ(sgd.momentum().to_vector<float>(), c.momentum_after);
    }
  }
}

// ---- Closed-form iterates on quadratics (Caffe's least-squares check) ---------------------------
// Element j minimises a_j/2 (x - c_j)^2, so its gradient is a_j (x - c_j) and, with weight decay
// wd, the update sees h_j (x - x*_j) with h_j = a_j + wd, x*_j = a_j c_j / h_j. The error
// e_k = x_k - x* then follows a linear recurrence with a closed form:
//   plain:     e_k = (1 - lr h)^k e_0
//   momentum:  e_{k+1} = (1 + m - lr h) e_k - m e_{k-1},                  e_1 = (1 - lr h) e_0
//   Nesterov:  e_{k+1} = (1 + m - lr h (1 + m)) e_k - m (1 - lr h) e_{k-1}, e_1 = (1 - lr h (1 + m)) e_0
// A two-term recurrence with trace t and determinant d has e_k = A r1^k + B r2^k, r1,2 the roots
// of r^2 - t r + d (complex for m = 0.9: the iterates spiral in), A + B = e_0, A r1 + B r2 = e_1.
double two_term_closed_form(int k, double e0, double e1, double t, double d) {
  using C = std::complex<double>;
  const C root = std::sqrt(C(t * t - 4.0 * d));
  const C r1 = (t + root) / 2.0, r2 = (t - root) / 2.0;
  const C a = (C(e1) - r2 * e0) / (r1 - r2);
  const C b = C(e0) - a;
  return (a * std::pow(r1, k) + b * std::pow(r2, k)).real();
}

struct QuadraticCase {
  const char* name;
  SgdOptions options;
};

TEST(Sgd, QuadraticIteratesMatchClosedForm) {
  const std::vector<double> a{0.5, 1.0, 2.0, 4.0}, c{1.0, -2.0, 0.5, 3.0};
  const std::vector<float> x0{0.0f, 1.0f, -1.0f, 2.0f};
  const double lr = 0.1;
  const int n_steps = 40;
  SgdOptions plain;
  plain.lr = lr;
  plain.weight_decay = 0.05;
  SgdOptions momentum = plain;
  momentum.momentum = 0.9;
  SgdOptions nesterov = momentum;
  nesterov.nesterov = true;
  for (const QuadraticCase& qc : {QuadraticCase{"plain", plain}, QuadraticCase{"momentum", momentum},
                                  QuadraticCase{"nesterov", nesterov}}) {
    SCOPED_TRACE(qc.name);
    const SgdOptions& o = qc.options;
    Tensor x = Tensor::from_vector<float>(x0, {4});
    Tensor grads = Tensor::zeros({4});
    SgdOptimizer sgd(o, x);
    for (int k = 1; k <= n_steps; ++k) {
      const std::vector<float> xv = x.to_vector<float>();
      float* g = grads.data<float>();
      for (size_t j = 0; j < 4; ++j) g[j] = static_cast<float>(a[j] * (xv[j] - c[j]));
      sgd.step(x, grads, static_cast<float>(lr));
      std::vector<double> expected(4);
      for (size_t j = 0; j < 4; ++j) {
        const double h = a[j] + o.weight_decay, x_star = a[j] * c[j] / h, e0 = x0[j] - x_star;
        const double m = o.momentum;
        double e = 0.0;
        if (m == 0.0) {
          e = std::pow(1.0 - lr * h, k) * e0;
        } else if (!o.nesterov) {
          e = two_term_closed_form(k, e0, (1.0 - lr * h) * e0, 1.0 + m - lr * h, m);
        } else {
          const double shrink = 1.0 - lr * h * (1.0 + m);
          e = two_term_closed_form(k, e0, shrink * e0, 1.0 + m - lr * h * (1.0 + m), m * (1.0 - lr * h));
        }
        expected[j] = x_star + e;
      }
      const std::vector<float> got_f = x.to_vector<float>();
      // float iterates against the exact sequence: rounding errors of ~1e-7 per step accumulate
      // (momentum 0.9 carries them along; 5e-7 at most was seen), hence atol 2e-6.
      EXPECT_ALLCLOSE(expected, std::vector<double>(got_f.begin(), got_f.end()), 2e-6, 1e-6) << "step " << k;
    }
  }
}

// ---- k accumulated sub-batches equal one big batch ---------------------------------------------
// Linear least squares, loss = 1/(2N) sum_s (x_s . w - y_s)^2. The gradient of the full batch of
// N samples equals the sum of the gradients of k sub-batches of N/k samples, each scaled by 1/k,
// accumulated into the gradient arena (as iter_size in Caffe); the updates must agree.
TEST(Sgd, AccumulatedSubBatchesEqualOneBigBatch) {
  const int n_samples = 8, n_params = 5, k = 4;
  std::vector<float> xs(n_samples * n_params), ys(n_samples);
  for (int s = 0; s < n_samples; ++s) {
    for (int p = 0; p < n_params; ++p) xs[s * n_params + p] = std::sin(1.0f + s * 0.7f + p * 1.3f);
    ys[s] = std::cos(0.5f + s * 0.9f);
  }
  // grad += scale * sum_{s in [begin, end)} (x_s . w - y_s) x_s
  auto accumulate = [&](Tensor& grads, const Tensor& w, int begin, int end, float scale) {
    const std::vector<float> wv = w.to_vector<float>();
    float* g = grads.data<float>();
    for (int s = begin; s < end; ++s) {
      float r = -ys[s];
      for (int p = 0; p < n_params; ++p) r += xs[s * n_params + p] * wv[p];
      for (int p = 0; p < n_params; ++p) g[p] += scale * r * xs[s * n_params + p];
    }
  };
  SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  o.weight_decay = 5e-4;
  const std::vector<float> w0{0.1f, -0.2f, 0.3f, 0.0f, 0.5f};
  Tensor w_big = Tensor::from_vector<float>(w0, {n_params}), w_acc = w_big.clone();
  Tensor g_big = Tensor::zeros({n_params}), g_acc = Tensor::zeros({n_params});
  SgdOptimizer sgd_big(o, w_big), sgd_acc(o, w_acc);
  for (int step = 0; step < 3; ++step) {
    SgdOptimizer::zero_grad(g_big);
    SgdOptimizer::zero_grad(g_acc);
    accumulate(g_big, w_big, 0, n_samples, 1.0f / n_samples);
    const int per = n_samples / k;
    for (int j = 0; j < k; ++j) accumulate(g_acc, w_acc, j * per, (j + 1) * per, 1.0f / per / k);
    sgd_big.step(w_big, g_big, 0.1f);
    sgd_acc.step(w_acc, g_acc, 0.1f);
    EXPECT_ALLCLOSE(w_big, w_acc, 1e-6, 1e-5);
  }
  EXPECT_ALLCLOSE(sgd_big.momentum(), sgd_acc.momentum(), 1e-6, 1e-5);
}

// ---- Save -> load -> step equals an uninterrupted run ---------------------------------------------
TEST(Sgd, SaveLoadStepEqualsUninterruptedStep) {
  // Dampening makes the "buffer initialised" flag matter: a resumed run that forgot it would
  // treat step 3 as a first step (buf = g instead of m buf + (1 - d) g).
  const SgdOptions o = opts(0.5, 0.25, 0.125, false);
  Tensor p_full = Tensor::from_vector<float>({1.0f, -2.0f}, {2});
  SgdOptimizer full(o, p_full);
  Tensor p_resumed = p_full.clone();
  SgdOptimizer first_half(o, p_resumed);
  for (int s = 0; s < 2; ++s) {
    full.step(p_full, Tensor::from_vector<float>(kHandGrads[s], {2}), 0.5f);
    first_half.step(p_resumed, Tensor::from_vector<float>(kHandGrads[s], {2}), 0.5f);
  }
  const SgdState saved{first_half.state().momentum.clone(), first_half.state().momentum_initialised};
  EXPECT_TRUE(saved.momentum_initialised);

  SgdOptimizer resumed(o, p_resumed);
  resumed.load_state(saved);
  Tensor p_forgetful = p_resumed.clone();
  SgdOptimizer forgetful(o, p_forgetful);
  forgetful.load_state({saved.momentum, false});

  const Tensor g3 = Tensor::from_vector<float>(kHandGrads[2], {2});
  full.step(p_full, g3, 0.5f);
  resumed.step(p_resumed, g3, 0.5f);
  forgetful.step(p_forgetful, g3, 0.5f);
  EXPECT_EQ(p_resumed.to_vector<float>(), p_full.to_vector<float>());
  EXPECT_EQ(resumed.momentum().to_vector<float>(), full.momentum().to_vector<float>());
  EXPECT_NE(p_forgetful.to_vector<float>(), p_full.to_vector<float>());
}

TEST(Sgd, MomentumArenaMatchesParameterArena) {
  Tensor params = Tensor::zeros({3, 7});
  SgdOptions o;
  o.momentum = 0.9;
  SgdOptimizer sgd(o, params);
  ASSERT_TRUE(sgd.momentum().defined());
  EXPECT_EQ(sgd.momentum().numel(), 21);
  EXPECT_EQ(sgd.momentum().device(), params.device());
  EXPECT_EQ(sgd.momentum().to_vector<float>(), std::vector<float>(21, 0.0f));
  EXPECT_FALSE(sgd.state().momentum_initialised);
  EXPECT_FALSE(SgdOptimizer(SgdOptions{}, params).momentum().defined());
}

TEST(Sgd, RejectsBadOptions) {
  const Tensor params = Tensor::zeros({4});
  auto make = [&](double lr, double momentum, double dampening, double wd, bool nesterov) {
    SgdOptions o;
    o.lr = lr;
    o.momentum = momentum;
    o.dampening = dampening;
    o.weight_decay = wd;
    o.nesterov = nesterov;
    return SgdOptimizer(o, params);
  };
  EXPECT_NO_THROW(make(0.1, 0.9, 0.0, 5e-4, true));
  EXPECT_THROW(make(-0.1, 0.9, 0.0, 0.0, false), Error);
  EXPECT_THROW(make(std::nan(""), 0.9, 0.0, 0.0, false), Error);
  EXPECT_THROW(make(0.1, -0.9, 0.0, 0.0, false), Error);
  EXPECT_THROW(make(0.1, 0.9, 0.0, -1e-4, false), Error);
  EXPECT_THROW(make(0.1, 0.9, INFINITY, 0.0, false), Error);
  EXPECT_THROW(make(0.1, 0.0, 0.0, 0.0, true), Error);  // Nesterov needs momentum
  EXPECT_THROW(make(0.1, 0.9, 0.1, 0.0, true), Error);  // ... and no dampening
  EXPECT_THROW(SgdOptimizer(SgdOptions{}, Tensor()), Error);
}

TEST(Sgd, RejectsBadSteps) {
  Tensor params = Tensor::zeros({4});
  SgdOptions o;
  o.momentum = 0.9;
  SgdOptimizer sgd(o, params);
  const Tensor grads = Tensor::zeros({4});
  EXPECT_THROW(sgd.step(params, grads, -0.1f), Error);
  EXPECT_THROW(sgd.step(params, grads, NAN), Error);
  Tensor other = Tensor::zeros({5});
  EXPECT_THROW(sgd.step(other, Tensor::zeros({5}), 0.1f), Error);
  EXPECT_THROW(sgd.step(params, Tensor::zeros({5}), 0.1f), Error);
  EXPECT_THROW(sgd.load_state({Tensor::zeros({5}), true}), Error);
  EXPECT_THROW(sgd.load_state({Tensor(), true}), Error);
  SgdOptimizer no_momentum(SgdOptions{}, params);
  EXPECT_THROW(no_momentum.load_state({Tensor::zeros({4}), true}), Error);
}

}  // namespace
}  // namespace revive::optim
