// A value a declared option (core/option.h) must refuse, as a user would type it: for the tests
// that give every option of a table a bad value and expect a message naming the option.
#pragma once

#include <cstdint>
#include <string>

#include "core/option.h"

namespace revive::testing {

// Below the declared minimum, or not of the option's type; "" for free text (any text is a value).
inline std::string bad_option_text(const OptionDecl& d) {
  switch (d.type) {
    case OptionType::kBool: return "maybe";
    case OptionType::kInt:
    case OptionType::kIntList:
      return d.int_min > INT64_MIN ? std::to_string(d.int_min - 1) : "1.5";
    case OptionType::kDouble:
    case OptionType::kDoubleList:
      return d.min ? std::to_string(*d.min - 1) : "nan";
    default:
      return d.choices.empty() ? "" : "no-such-value";
  }
}

}  // namespace revive::testing
