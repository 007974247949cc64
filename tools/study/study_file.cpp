#include "tools/study/study_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/json_fields.h"

#ifdef REVIVE_HAVE_CPPTOML
#include <cpptoml.h>
#endif

namespace revive::cli {
namespace {

#ifdef REVIVE_HAVE_CPPTOML
nlohmann::json toml_value(const std::shared_ptr<cpptoml::base>& b, const std::string& where);

nlohmann::json toml_table(const cpptoml::table& t, const std::string& where) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : t) j[key] = toml_value(value, where + "." + key);
  return j;
}

nlohmann::json toml_value(const std::shared_ptr<cpptoml::base>& b, const std::string& where) {
  if (b->is_table()) return toml_table(*b->as_table(), where);
  if (b->is_table_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : b->as_table_array()->get()) a.push_back(toml_table(*t, where));
    return a;
  }
  if (b->is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : b->as_array()->get()) a.push_back(toml_value(e, where));
    return a;
  }
  if (auto v = b->as<std::string>()) return v->get();
  if (auto v = b->as<int64_t>()) return v->get();
  if (auto v = b->as<double>()) return v->get();
  if (auto v = b->as<bool>()) return v->get();
  REVIVE_THROW(where << ": a date or time, which no study option takes");
}
#endif

void check_type(const nlohmann::json& j, const std::string& key, bool ok, const std::string& path,
                const char* what) {
  REVIVE_CHECK(!j.contains(key) || ok, path << ": " << key << " must be " << what);
}

}  // namespace

nlohmann::json toml_to_json(const std::string& text, const std::string& origin) {
#ifdef REVIVE_HAVE_CPPTOML
  std::istringstream is(text);
  try {
    cpptoml::parser parser(is);
    return toml_table(*parser.parse(), origin);
  } catch (const cpptoml::parse_exception& e) {
    REVIVE_THROW(origin << ": not valid TOML: " << e.what());
  }
#else
  (void)text;
  REVIVE_THROW(origin << ": this build reads JSON study files only (TOML needs Debian's libcpptoml-dev at build "
                         "time)");
#endif
}

nlohmann::json read_study_file(const std::string& path) {
  std::ifstream is(path);
  REVIVE_CHECK(is.good(), "study file " << path << " cannot be read");
  std::stringstream text;
  text << is.rdbuf();
  const bool toml = path.size() >= 5 && path.compare(path.size() - 5, 5, ".toml") == 0;
  nlohmann::json j = toml ? toml_to_json(text.str(), path) : json_parse(text.str(), path);
  REVIVE_CHECK(j.is_object(), path << ": a study file holds one object (JSON) or table (TOML)");
  for (const auto& [key, value] : j.items()) {
    (void)value;
    REVIVE_CHECK(key == "options" || key == "seed" || key == "seeds" || key == "seed_list" || key == "variants" ||
                     key == "baseline",
                 path << ": unknown key '" << key << "' (valid: options, seed, seeds, seed_list, variants, baseline)");
  }
  // TOML's integers arrive signed, JSON's non-negative ones unsigned.
  const auto is_seed = [](const nlohmann::json& s) {
    return s.is_number_unsigned() || (s.is_number_integer() && s.get<int64_t>() >= 0);
  };
  const auto is_variant = [](const nlohmann::json& v) {
    return v.is_string() || (v.is_object() && v.contains("args") && v["args"].is_string() &&
                             (!v.contains("name") || v["name"].is_string()) && v.size() == 1 + v.count("name"));
  };
  const nlohmann::json none;
  const nlohmann::json& seed_list = j.contains("seed_list") ? j["seed_list"] : none;
  const nlohmann::json& variants = j.contains("variants") ? j["variants"] : none;
  check_type(j, "options", j.contains("options") && j["options"].is_object(), path, "an object of options");
  check_type(j, "seed", j.contains("seed") && is_seed(j["seed"]), path, "an integer >= 0");
  check_type(j, "seeds", j.contains("seeds") && is_seed(j["seeds"]) && j["seeds"].get<uint64_t>() >= 1, path,
             "an integer >= 1");
  check_type(j, "seed_list", seed_list.is_array() && std::all_of(seed_list.begin(), seed_list.end(), is_seed), path,
             "an array of integers >= 0");
  check_type(j, "variants", variants.is_array() && std::all_of(variants.begin(), variants.end(), is_variant), path,
             "an array of strings or of {\"name\": ..., \"args\": ...}");
  check_type(j, "baseline", j.contains("baseline") && j["baseline"].is_string(), path, "a variant's name");
  return j;
}

}  // namespace revive::cli
