// Integer keys that order floats for the reactivation methods' selections (docs/reactivation.md
// §0.2): a total order on magnitudes with NaN last, and 64-bit (magnitude, index) keys that
// are unique within a layer or pool, so that any sort or selection on them gives the stable order.
// REVIVE_HD: the CUDA kernels compare exactly these keys.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/hd.h"

namespace revive {

REVIVE_HD uint32_t float_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

REVIVE_HD float bits_float(uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

REVIVE_HD bool is_finite_float(float x) { return (float_bits(x) & 0x7f800000u) != 0x7f800000u; }

// The smallest float >= x (host code): for every float v, NaN included, v < it iff v < x. A limit
// given in double then compares with floats in float, or as a magnitude_key below.
inline float float_at_or_above(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, INFINITY);
  return f;
}

// A total order on |x| as an unsigned integer: the bits of |x| compare like the values for
// +0 < denormals < normals < +Inf, and every NaN sorts above +Inf, as torch.sort puts NaN last.
// Used for argmax/argmin |w| inside slices, where both backends read the same arena bits.
REVIVE_HD uint32_t magnitude_bits(float x) { return float_bits(x) & 0x7fffffffu; }

// magnitude_bits with every NaN mapped to one key, for every importance comparison (global
// threshold, per-layer counts and order), so both backends agree even on NaN filters
// (§0.2): an importance is a sum, and a sum holding a NaN keeps the operand's payload on
// x86 but is the canonical NaN on a GPU; one key orders NaN filters alike, by index.
constexpr uint32_t kNanMagnitudeKey = 0x7f800001u;  // the smallest NaN
REVIVE_HD uint32_t magnitude_key(float x) {
  const uint32_t bits = magnitude_bits(x);
  return bits < kNanMagnitudeKey ? bits : kNanMagnitudeKey;
}

// Magnitude descending, equal magnitudes by ascending index (§0.2; WE's per-layer order,
// §1.4, §1.5). Sorting these keys ascending gives that order; they are unique within a layer.
REVIVE_HD uint64_t descending_order_key(uint32_t key, uint32_t index) {
  return (static_cast<uint64_t>(0xffffffffu - key) << 32) | index;
}
REVIVE_HD uint32_t order_key_index(uint64_t order_key) { return static_cast<uint32_t>(order_key & 0xffffffffu); }
REVIVE_HD uint32_t descending_order_key_magnitude(uint64_t order_key) {
  return 0xffffffffu - static_cast<uint32_t>(order_key >> 32);
}
// Magnitude ascending, equal magnitudes by ascending index: the stable ascending sort (WE-RM's
// inferior list, §1.5, which is not the descending list reversed; KR's C1-C3, §3.2).
REVIVE_HD uint64_t ascending_order_key(uint32_t key, uint32_t index) {
  return (static_cast<uint64_t>(key) << 32) | index;
}

}  // namespace revive
