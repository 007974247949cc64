// The standard normal numbers of FG's noise scions (§2.7), drawn per arena
// element from the counter-based generator of core/rng.h, so that the CPU and a CUDA kernel draw the
// same numbers for the same (seed, epoch, model, element) whatever filters are selected.
//
// Box-Muller needs a logarithm and a cosine, and the C library's and CUDA's differ in the last bit,
// so both are written here with + - * / and sqrt only (all correctly rounded on both backends; the
// reactivation CUDA files are built without FMA contraction): a series in double precision far
// more accurate than the float the draw is rounded to.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/hd.h"
#include "core/rng.h"

namespace revive {

// ln u for u in (0, 1] (a normal double): u = m 2^e with m in [sqrt(1/2), sqrt(2)), then
// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its odd series to s^13 (error < 1e-13).
REVIVE_HD double fg_log_unit(double u) {
  uint64_t bits;
  memcpy(&bits, &u, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1023} << 52);
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  const double s = (m - 1.0) / (m + 1.0), z = s * s;
  const double series =
      1.0 + z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z * (1.0 / 9 + z * (1.0 / 11 + z * (1.0 / 13))))));
  return static_cast<double>(e) * 0.6931471805599453 + 2.0 * s * series;
}

// cos(2 pi t) for t in [0, 1): reduced exactly (in turns) to an angle in [0, pi/4], then the Taylor
// series of cos or sin to the 14th/15th power (error < 1e-15).
REVIVE_HD double fg_cos_turns(double t) {
  const double two_pi = 6.283185307179586;
  if (t >= 0.5) t = 1.0 - t;  // cos is even and 1-periodic in turns
  double sign = 1.0;
  if (t > 0.25) {  // cos(pi - x) = -cos(x)
    t = 0.5 - t;
    sign = -1.0;
  }
  const bool use_sin = t > 0.125;  // cos(x) = sin(pi/2 - x)
  const double x = two_pi * (use_sin ? 0.25 - t : t), y = x * x;
  if (use_sin) {
    const double p = 1.0 - y / 6 * (1.0 - y / 20 * (1.0 - y / 42 * (1.0 - y / 72 * (1.0 - y / 110 *
                                         (1.0 - y / 156 * (1.0 - y / 210))))));
    return sign * x * p;
  }
  const double p = 1.0 - y / 2 * (1.0 - y / 12 * (1.0 - y / 30 * (1.0 - y / 56 * (1.0 - y / 90 *
                                       (1.0 - y / 132 * (1.0 - y / 182))))));
  return sign * p;
}

// Counter word 3 of the noise draws: "FG" in the high half keeps them apart from the parameter
// initialisation's streams (small stream ids) under the same seed; the model index in the low half.
constexpr uint32_t kFgNoiseTag = 0x46470000u;

// The standard normal for element `element` (row-major) of conv weight `conv` (its graft group's
// index) of network `model` after epoch `epoch`: Philox block (element, conv, epoch, tag | model)
// under key `seed`, Box-Muller on its first two words (u1 = 1 - U in (0, 1], as Rng::normal),
// sqrt(-2 ln u1) cos(2 pi u2) rounded to float. Independent of the arena's layout.
REVIVE_HD float fg_noise_normal(uint64_t seed, uint32_t epoch, uint32_t model, uint32_t conv, uint32_t element) {
  const PhiloxBlock b = philox4x32(element, conv, epoch, kFgNoiseTag | (model & 0xffffu), static_cast<uint32_t>(seed),
                                   static_cast<uint32_t>(seed >> 32));
  const double u1 = 1.0 - static_cast<double>(philox_uniform(b.v[0]));
  const double u2 = static_cast<double>(philox_uniform(b.v[1]));
  return static_cast<float>(sqrt(-2.0 * fg_log_unit(u1)) * fg_cos_turns(u2));
}

}  // namespace revive
