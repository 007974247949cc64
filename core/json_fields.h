// Checked reads of the JSON files revive writes and later reads back (checkpoint sidecars, run
// configurations). Such a file may have been edited or damaged, so every read checks presence, type
// and range and throws revive::Error naming the file and the field: never one of nlohmann's
// exceptions, and never an out-of-range conversion (nlohmann's get<int>() of 1e300 is undefined
// behaviour).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace revive {

// The JSON value in `text`; `origin` names it in errors.
nlohmann::json json_parse(const std::string& text, const std::string& origin);

// Reads obj[key]; obj must be an object holding key.
const nlohmann::json& json_field(const nlohmann::json& obj, const std::string& key, const std::string& origin);
int64_t json_int(const nlohmann::json& obj, const std::string& key, const std::string& origin,
                 int64_t lo = std::numeric_limits<int64_t>::min(), int64_t hi = std::numeric_limits<int64_t>::max());
uint64_t json_uint(const nlohmann::json& obj, const std::string& key, const std::string& origin);
// A finite number (an integer is accepted).
double json_double(const nlohmann::json& obj, const std::string& key, const std::string& origin);
bool json_bool(const nlohmann::json& obj, const std::string& key, const std::string& origin);
std::string json_string(const nlohmann::json& obj, const std::string& key, const std::string& origin);
// An array of integers, each in [lo, hi].
std::vector<int64_t> json_int_list(const nlohmann::json& obj, const std::string& key, const std::string& origin,
                                   int64_t lo, int64_t hi);

}  // namespace revive
