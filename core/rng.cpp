#include "core/rng.h"

#include <cmath>

#include "core/error.h"

namespace revive {

// Each 128-bit block yields four numbers; counter counts numbers, so the block index is counter/4.
uint32_t Rng::next_u32() {
  const uint64_t block = state_.counter >> 2;
  const PhiloxBlock b = philox4x32(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                                   static_cast<uint32_t>(state_.stream), static_cast<uint32_t>(state_.stream >> 32),
                                   static_cast<uint32_t>(state_.seed), static_cast<uint32_t>(state_.seed >> 32));
  const uint32_t x = b.v[state_.counter & 3];
  ++state_.counter;
  return x;
}

float Rng::uniform() { return philox_uniform(next_u32()); }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal() {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const float u1 = 1.0f - uniform();
  const float u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.283185307179586f * u2);
}

uint64_t Rng::below(uint64_t n) {
  REVIVE_CHECK(n > 0, "Rng::below(0)");
  if (n <= (1ull << 32)) {
    // Rejection keeps every value equally likely.
    const uint64_t limit = (1ull << 32) - ((1ull << 32) % n);
    for (;;) {
      const uint64_t x = next_u32();
      if (x < limit) return x % n;
    }
  }
  for (;;) {
    const uint64_t x = (static_cast<uint64_t>(next_u32()) << 32) | next_u32();
    const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    if (x < limit) return x % n;
  }
}

}  // namespace revive
