// revive::Error and the check macros. The library throws and never exits: the CLI catches, prints
// the message and returns non-zero. A message is a sentence in the user's terms saying what was
// wrong and what was expected; where it was raised (file:line and the failed condition) travels
// beside it, for `revive --verbose` and for tests, so that a user's mistake reads plainly.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace revive {

class Error : public std::runtime_error {
 public:
  // `location`: "core/safetensors.cpp:138, check failed: is.good()", or empty when unknown.
  explicit Error(const std::string& message, std::string location = "")
      : std::runtime_error(message), location_(std::move(location)) {}
  const std::string& location() const { return location_; }
  // The message, then " [location]" when there is one.
  std::string with_location() const { return location_.empty() ? what() : std::string(what()) + " [" + location_ + "]"; }

 private:
  std::string location_;
};

namespace detail {
[[noreturn]] void throw_error(const char* file, int line, const char* cond, const std::string& msg);
}  // namespace detail

}  // namespace revive

// REVIVE_CHECK(cond, "expected " << x << " got " << y): the message is a stream expression,
// evaluated only on failure.
#define REVIVE_CHECK(cond, msg)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::ostringstream revive_check_os_;                                             \
      revive_check_os_ << msg;                                                         \
      ::revive::detail::throw_error(__FILE__, __LINE__, #cond, revive_check_os_.str()); \
    }                                                                                  \
  } while (0)

// An error that is not a failed condition (bad user input found by parsing, for instance).
#define REVIVE_THROW(msg)                                                         \
  do {                                                                            \
    std::ostringstream revive_check_os_;                                          \
    revive_check_os_ << msg;                                                      \
    ::revive::detail::throw_error(__FILE__, __LINE__, nullptr, revive_check_os_.str()); \
  } while (0)
