// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11). One generator serves
// initialisation, shuffling, augmentation and FG noise; the block function is REVIVE_HD so a CUDA
// kernel draws exactly the numbers the CPU draws for the same (seed, stream, counter).
#pragma once

#include <cstdint>

#include "core/hd.h"

namespace revive {

struct PhiloxBlock {
  uint32_t v[4];
};

REVIVE_HD uint32_t philox_mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

// Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1).
REVIVE_HD PhiloxBlock philox4x32(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = philox_mulhilo(0xD2511F53u, c0, &hi0);
    const uint32_t lo1 = philox_mulhilo(0xCD9E8D57u, c2, &hi1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return PhiloxBlock{{c0, c1, c2, c3}};
}

// Uniform float in [0, 1) from the top 24 bits.
REVIVE_HD float philox_uniform(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }

// A host-side stream: (seed, stream id) pick the sequence, `counter` the position in it. The whole
// state is three integers, so checkpoints restore it exactly.
class Rng {
 public:
  struct State {
    uint64_t seed = 0, stream = 0, counter = 0;
  };

  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) { state_ = {seed, stream, 0}; }
  explicit Rng(State s) : state_(s) {}

  const State& state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

  uint32_t next_u32();
  float uniform();                     // [0, 1)
  float uniform(float lo, float hi);   // [lo, hi)
  float normal();                      // standard normal (Box-Muller)
  uint64_t below(uint64_t n);          // uniform integer in [0, n), unbiased
  bool bernoulli(float p) { return uniform() < p; }

 private:
  State state_;
};

}  // namespace revive
