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

// The statement throws a revive::Error whose message contains `text`.
#define EXPECT_ERROR(stmt, text)                                                        \
  do {                                                                                  \
    const std::string message_ = ::revive::testing::error_message([&] { (void)(stmt); }); \
    EXPECT_NE(message_.find(text), std::string::npos) << "message: " << message_;       \
  } while (0)

