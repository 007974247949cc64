// The message of the revive::Error a callable throws, for tests that check what an error says
// (or that two paths, CPU and CUDA, say the same).
#pragma once

#include <string>

#include "core/error.h"

namespace revive::testing {

// e.what() of the revive::Error fn throws, or "" when it throws none.
template <class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace revive::testing
