#include "core/option.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/error.h"

namespace revive {
namespace {

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

bool is_list(OptionType t) {
  return t == OptionType::kIntList || t == OptionType::kDoubleList || t == OptionType::kStringList;
}

OptionType element_type(OptionType t) {
  switch (t) {
    case OptionType::kIntList: return OptionType::kInt;
    case OptionType::kDoubleList: return OptionType::kDouble;
    case OptionType::kStringList: return OptionType::kString;
    default: return t;
  }
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string element_description(const OptionDecl& d) {
  switch (element_type(d.type)) {
    case OptionType::kBool: return "true or false";
    case OptionType::kInt: {
      const bool has_min = d.int_min != INT64_MIN, has_max = !d.is_unsigned && d.int_max != INT64_MAX;
      const bool wide = d.int_max >= INT32_MAX || d.is_unsigned;  // the type's own limit, not a meaning
      if (has_min && has_max && !wide) return "an integer in [" + std::to_string(d.int_min) + ", " + std::to_string(d.int_max) + "]";
      if (has_min) return "an integer >= " + std::to_string(d.int_min);
      if (has_max && !wide) return "an integer <= " + std::to_string(d.int_max);
      return "an integer";
    }
    case OptionType::kDouble: {
      if (d.min && d.max) return std::string("a number in ") + (d.exclusive_min ? "(" : "[") + number_text(*d.min) + ", " + number_text(*d.max) + "]";
      if (d.min) return std::string("a number ") + (d.exclusive_min ? "> " : ">= ") + number_text(*d.min);
      if (d.max) return "a number <= " + number_text(*d.max);
      return "a finite number";
    }
    default:
      return d.choices.empty() ? "text" : "one of " + join(d.choices, ", ");
  }
}

// ", or off" for an option that also takes a word instead of its value.
std::string or_word_text(const OptionDecl& d) {
  if (d.word.empty()) return "";
  return (is_list(d.type) ? ", or the whole value " : ", or ") + d.word;
}

// "--batch 0", or "--we-set eta=0" when the origin ends in '=' (key=value forms).
std::string origin_and_text(const std::string& origin, const std::string& text) {
  const std::string shown = text.empty() ? "''" : text;
  return !origin.empty() && origin.back() == '=' ? origin + shown : origin + " " + shown;
}

// Throws unless the scalar `v` is a valid element of `d`.
void check_element(const OptionDecl& d, const nlohmann::json& v, const std::string& origin) {
  const std::string valid = (is_list(d.type) ? "each element must be " : "must be ") + element_description(d) +
                            or_word_text(d);
  switch (element_type(d.type)) {
    case OptionType::kBool:
      REVIVE_CHECK(v.is_boolean(), origin << ": " << valid);
      return;
    case OptionType::kInt: {
      REVIVE_CHECK(v.is_number_integer(), origin << ": " << valid);
      if (d.is_unsigned) {
        REVIVE_CHECK(v.is_number_unsigned() && v.get<uint64_t>() >= static_cast<uint64_t>(std::max<int64_t>(d.int_min, 0)),
                     origin << ": " << valid);
        return;
      }
      const bool fits = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX) : true;
      REVIVE_CHECK(fits && v.get<int64_t>() >= d.int_min && v.get<int64_t>() <= d.int_max, origin << ": " << valid);
      return;
    }
    case OptionType::kDouble: {
      REVIVE_CHECK(v.is_number() && std::isfinite(v.get<double>()), origin << ": " << valid);
      const double x = v.get<double>();
      const bool low_ok = !d.min || (d.exclusive_min ? x > *d.min : x >= *d.min);
      REVIVE_CHECK(low_ok && (!d.max || x <= *d.max), origin << ": " << valid);
      return;
    }
    default: {
      REVIVE_CHECK(v.is_string(), origin << ": " << valid);
      if (d.choices.empty()) return;
      const std::string s = v.get<std::string>();
      for (const auto& c : d.choices) {
        if (c == s) return;
      }
      REVIVE_THROW(origin << ": " << valid);
    }
  }
}

nlohmann::json parse_element(const OptionDecl& d, const std::string& text, const std::string& origin) {
  const std::string where = origin_and_text(origin, text);
  switch (element_type(d.type)) {
    case OptionType::kBool: {
      if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
      if (text == "false" || text == "0" || text == "no" || text == "off") return false;
      REVIVE_THROW(where << ": must be true or false" << or_word_text(d));
    }
    case OptionType::kInt: {
      const char* s = text.c_str();
      char* end = nullptr;
      errno = 0;
      nlohmann::json v;
      if (d.is_unsigned) {
        REVIVE_CHECK(!text.empty() && text[0] != '-', where << ": must be " << element_description(d) << or_word_text(d));
        const unsigned long long u = std::strtoull(s, &end, 10);
        v = static_cast<uint64_t>(u);
      } else {
        const long long i = std::strtoll(s, &end, 10);
        v = static_cast<int64_t>(i);
      }
      REVIVE_CHECK(!text.empty() && errno == 0 && end != nullptr && *end == '\0',
                   where << ": must be " << element_description(d) << or_word_text(d));
      return v;
    }
    case OptionType::kDouble: {
      const char* s = text.c_str();
      char* end = nullptr;
      errno = 0;
      const double x = std::strtod(s, &end);
      REVIVE_CHECK(!text.empty() && errno == 0 && end != nullptr && *end == '\0' && std::isfinite(x),
                   where << ": must be " << element_description(d) << or_word_text(d));
      return x;
    }
    default:
      return text;
  }
}

}  // namespace

OptionDecl& OptionDecl::at_least(double lo) {
  if (element_type(type) == OptionType::kInt) {
    int_min = static_cast<int64_t>(std::ceil(lo));
  } else {
    min = lo;
    exclusive_min = false;
  }
  return *this;
}

OptionDecl& OptionDecl::above(double lo) {
  min = lo;
  exclusive_min = true;
  return *this;
}

OptionDecl& OptionDecl::at_most(double hi) {
  if (element_type(type) == OptionType::kInt) {
    int_max = static_cast<int64_t>(std::floor(hi));
  } else {
    max = hi;
  }
  return *this;
}

OptionDecl& OptionDecl::in_range(double lo, double hi) { return at_least(lo).at_most(hi); }

OptionDecl& OptionDecl::one_of(std::vector<std::string> values) {
  choices = std::move(values);
  return *this;
}

OptionDecl& OptionDecl::in_group(std::string name) {
  group = std::move(name);
  return *this;
}

OptionDecl& OptionDecl::negated_by(std::string flag_name) {
  negation = std::move(flag_name);
  return *this;
}

OptionDecl& OptionDecl::hide() {
  hidden = true;
  return *this;
}

OptionDecl& OptionDecl::one_per_flag() {
  comma_separated = false;
  return *this;
}

OptionDecl& OptionDecl::added_later(nlohmann::json value_in_older_runs) {
  absent_in_older_runs = std::move(value_in_older_runs);
  return *this;
}

OptionDecl& OptionDecl::or_word(std::string w) {
  word = std::move(w);
  return *this;
}

std::string OptionDecl::valid_values() const {
  const std::string or_word_text = word.empty() ? "" : ", or " + word;
  if (!is_list(type)) return element_description(*this) + or_word_text;
  return std::string(comma_separated ? "comma-separated" : "one per flag, repeated for more") + ", each " +
         element_description(*this) + or_word_text;
}

nlohmann::json parse_option_text(const OptionDecl& decl, const std::string& text, const std::string& origin) {
  if (!decl.word.empty() && text == decl.word) return text;
  if (!is_list(decl.type)) {
    nlohmann::json v = parse_element(decl, text, origin);
    check_element(decl, v, origin_and_text(origin, text));
    return v;
  }
  nlohmann::json list = nlohmann::json::array();
  if (!decl.comma_separated) {
    nlohmann::json v = parse_element(decl, text, origin);
    check_element(decl, v, origin_and_text(origin, text));
    list.push_back(std::move(v));
    return list;
  }
  if (text.empty()) return list;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    nlohmann::json v = parse_element(decl, item, origin);
    check_element(decl, v, origin_and_text(origin, text));
    list.push_back(std::move(v));
  }
  return list;
}

void check_option_value(const OptionDecl& decl, const nlohmann::json& value, const std::string& origin) {
  if (!decl.word.empty() && value == decl.word) return;
  if (!is_list(decl.type)) {
    check_element(decl, value, origin);
    return;
  }
  REVIVE_CHECK(value.is_array(), origin << ": must be " << decl.valid_values() << " (a JSON array)");
  for (const auto& v : value) check_element(decl, v, origin);
}

std::string option_value_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : ",") + option_value_text(v);
    return out;
  }
  return value.dump();
}

}  // namespace revive
