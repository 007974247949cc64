// revive::Error and the check macros. The library throws and never exits: the CLI catches, prints
// the message and returns non-zero. Messages carry file:line, the failed condition and a sentence
// saying what was wrong and what was expected.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace revive {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
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
