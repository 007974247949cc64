#include "core/json_fields.h"

#include <cmath>

#include "core/error.h"

namespace revive {
namespace {

// Range-checked integer value of j (which the caller names `what`).
int64_t int_value(const nlohmann::json& j, const std::string& what, int64_t lo, int64_t hi) {
  // nlohmann keeps non-negative integers unsigned and negative ones signed.
  bool in_range = false;
  int64_t v = 0;
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    in_range = hi >= 0 && u <= static_cast<uint64_t>(hi);
    v = in_range ? static_cast<int64_t>(u) : 0;
  } else if (j.is_number_integer()) {
    v = j.get<int64_t>();
    in_range = v <= hi;
  } else {
    REVIVE_THROW(what << " must be an integer, found " << j.type_name());
  }
  REVIVE_CHECK(in_range && v >= lo, what << " is outside [" << lo << ", " << hi << "]");
  return v;
}

}  // namespace

nlohmann::json json_parse(const std::string& text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    REVIVE_THROW(origin << " is not valid JSON (" << e.what() << ")");
  }
}

const nlohmann::json& json_field(const nlohmann::json& obj, const std::string& key, const std::string& origin) {
  REVIVE_CHECK(obj.is_object(), origin << ": expected a JSON object holding '" << key << "', found " << obj.type_name());
  const auto it = obj.find(key);
  REVIVE_CHECK(it != obj.end(), origin << ": field '" << key << "' is missing");
  return *it;
}

int64_t json_int(const nlohmann::json& obj, const std::string& key, const std::string& origin, int64_t lo,
                 int64_t hi) {
  return int_value(json_field(obj, key, origin), origin + ": field '" + key + "'", lo, hi);
}

uint64_t json_uint(const nlohmann::json& obj, const std::string& key, const std::string& origin) {
  const nlohmann::json& j = json_field(obj, key, origin);
  REVIVE_CHECK(j.is_number_unsigned(), origin << ": field '" << key << "' must be a non-negative integer, found "
                                              << (j.is_number() ? "a negative or fractional number" : j.type_name()));
  return j.get<uint64_t>();
}

double json_double(const nlohmann::json& obj, const std::string& key, const std::string& origin) {
  const nlohmann::json& j = json_field(obj, key, origin);
  REVIVE_CHECK(j.is_number(), origin << ": field '" << key << "' must be a number, found " << j.type_name());
  const double v = j.get<double>();
  REVIVE_CHECK(std::isfinite(v), origin << ": field '" << key << "' must be finite");
  return v;
}

bool json_bool(const nlohmann::json& obj, const std::string& key, const std::string& origin) {
  const nlohmann::json& j = json_field(obj, key, origin);
  REVIVE_CHECK(j.is_boolean(), origin << ": field '" << key << "' must be true or false, found " << j.type_name());
  return j.get<bool>();
}

std::string json_string(const nlohmann::json& obj, const std::string& key, const std::string& origin) {
  const nlohmann::json& j = json_field(obj, key, origin);
  REVIVE_CHECK(j.is_string(), origin << ": field '" << key << "' must be a string, found " << j.type_name());
  return j.get<std::string>();
}

std::vector<int64_t> json_int_list(const nlohmann::json& obj, const std::string& key, const std::string& origin,
                                   int64_t lo, int64_t hi) {
  const nlohmann::json& j = json_field(obj, key, origin);
  REVIVE_CHECK(j.is_array(), origin << ": field '" << key << "' must be an array, found " << j.type_name());
  std::vector<int64_t> out;
  for (size_t i = 0; i < j.size(); ++i) {
    out.push_back(int_value(j[i], origin + ": field '" + key + "'[" + std::to_string(i) + "]", lo, hi));
  }
  return out;
}

}  // namespace revive
