// Shared by the fuzz targets: a revive::Error is the expected rejection of bad bytes. Anything else
// (another exception, a crash, a leak, a sanitizer report, a broken invariant) is a bug that
// libFuzzer reports with the input that caused it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace revive::fuzz {

inline std::string bytes_of(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs fn; a revive::Error is swallowed, any other exception escapes to std::terminate (a crash).
template <class Fn>
void accept_or_reject(Fn fn) {
  try {
    fn();
  } catch (const Error&) {
  }
}

// For what an accepted input must satisfy.
inline void require(bool cond, const char* what) {
  if (cond) return;
  std::fprintf(stderr, "fuzz: accepted input breaks an invariant: %s\n", what);
  std::abort();
}

}  // namespace revive::fuzz
