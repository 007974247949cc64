// A configuration struct's options, each declared once (core/option.h) and bound to its field:
//
//   OptionTable<RunConfig> t;
//   t.add(&RunConfig::batch, "batch", "--batch", "Training batch size").at_least(1).in_group("Training");
//   t.add_enum(&WeOptions::crossover, "crossover", "", "...", {{"paper", WeCrossover::kPaper}, ...});
//
// From the table come the command line (tools/option_cli.h), --help, the JSON form of a config
// (to_json / read_json, for config.json) and key=value overrides (set_text). The default of each
// option is its field's value in a default-constructed Config.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/option.h"

namespace revive {

template <class Config>
class OptionTable {
 public:
  // A field of type bool, int, int64_t, uint64_t, double, std::string, std::vector<int>,
  // std::vector<double> or std::vector<std::string>.
  template <class T>
  OptionDecl& add(T Config::*field, std::string key, std::string flag, std::string help) {
    OptionDecl d;
    d.type = type_of<T>();
    if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::vector<int>>) {
      d.int_min = INT32_MIN;
      d.int_max = INT32_MAX;
    }
    if constexpr (std::is_same_v<T, uint64_t>) {
      d.is_unsigned = true;
      d.int_min = 0;
    }
    Binding b;
    b.get = [field](const Config& c) { return nlohmann::json(c.*field); };
    b.set = [field](Config& c, const nlohmann::json& v) { c.*field = v.get<T>(); };
    return push(std::move(d), std::move(b), std::move(key), std::move(flag), std::move(help));
  }

  // An enum field, named on the command line and in JSON by `names`.
  template <class E>
  OptionDecl& add_enum(E Config::*field, std::string key, std::string flag, std::string help,
                       std::vector<std::pair<std::string, E>> names) {
    OptionDecl d;
    d.type = OptionType::kString;
    for (const auto& n : names) d.choices.push_back(n.first);
    Binding b;
    b.get = [field, names](const Config& c) {
      for (const auto& n : names) {
        if (n.second == c.*field) return nlohmann::json(n.first);
      }
      REVIVE_THROW("an enum value without a name in its option table");
    };
    b.set = [field, names](Config& c, const nlohmann::json& v) {
      for (const auto& n : names) {
        if (n.first == v.get<std::string>()) c.*field = n.second;
      }
    };
    return push(std::move(d), std::move(b), std::move(key), std::move(flag), std::move(help));
  }

  // An option whose JSON value is not one field's: `get` gives the value (checked against the
  // declaration by check()), `set` takes a checked one. For options that stand for several fields
  // or map a word (OptionDecl::or_word) to a field's state.
  OptionDecl& add_custom(std::string key, std::string flag, std::string help, OptionType type,
                         std::function<nlohmann::json(const Config&)> get,
                         std::function<void(Config&, const nlohmann::json&)> set) {
    OptionDecl d;
    d.type = type;
    return push(std::move(d), Binding{std::move(get), std::move(set)}, std::move(key), std::move(flag),
                std::move(help));
  }

  // The --help section of the options declared from now on.
  void start_group(std::string name) { group_ = std::move(name); }

  const std::deque<OptionDecl>& decls() const { return decls_; }
  std::vector<OptionDecl> decl_list() const { return {decls_.begin(), decls_.end()}; }
  // The declaration with `key`; throws listing the valid keys when there is none.
  const OptionDecl& decl(const std::string& key) const { return decls_[index_of(key)]; }
  bool has(const std::string& key) const { return find(key) >= 0; }

  // Every option's value, by key.
  nlohmann::json to_json(const Config& c) const {
    nlohmann::json j = nlohmann::json::object();
    for (size_t i = 0; i < decls_.size(); ++i) j[decls_[i].key] = bindings_[i].get(c);
    return j;
  }

  // Sets the options `j` holds (an object; each value checked against its declaration). Keys the
  // table does not declare are ignored: a file may carry facts of other parts. With `require_all`
  // every declared key must be present (a config.json this version wrote), except options added
  // later, which take their value in older runs.
  void read_json(Config& c, const nlohmann::json& j, const std::string& origin, bool require_all) const {
    REVIVE_CHECK(j.is_object(), origin << ": expected a JSON object of options");
    for (size_t i = 0; i < decls_.size(); ++i) {
      const OptionDecl& d = decls_[i];
      auto it = j.find(d.key);
      if (it == j.end()) {
        REVIVE_CHECK(!require_all || d.absent_in_older_runs, origin << ": the option '" << d.key << "' is missing");
        if (require_all) bindings_[i].set(c, *d.absent_in_older_runs);
        continue;
      }
      check_option_value(d, *it, origin + ": '" + d.key + "'");
      bindings_[i].set(c, *it);
    }
  }

  // Throws revive::Error naming `origin` and the option unless every option of `c` holds a valid
  // value: the single-option checks of a config made in code rather than parsed.
  void check(const Config& c, const std::string& origin) const {
    for (size_t i = 0; i < decls_.size(); ++i) {
      check_option_value(decls_[i], bindings_[i].get(c), origin + " " + decls_[i].key);
    }
  }

  // Sets one option from text as typed by a user (key=value forms); `origin` names it in errors.
  void set_text(Config& c, const std::string& key, const std::string& text, const std::string& origin) const {
    const size_t i = index_of(key);
    bindings_[i].set(c, parse_option_text(decls_[i], text, origin));
  }

  // "key=value" (the form of --we-set and the like).
  void set_key_value(Config& c, const std::string& key_value, const std::string& origin) const {
    const size_t eq = key_value.find('=');
    REVIVE_CHECK(eq != std::string::npos && eq > 0, origin << " " << key_value << ": expected key=value, keys: " << keys());
    set_text(c, key_value.substr(0, eq), key_value.substr(eq + 1), origin + " " + key_value.substr(0, eq) + "=");
  }

  // The declared keys, comma-separated (for messages).
  std::string keys() const {
    std::string out;
    for (const auto& d : decls_) out += (out.empty() ? "" : ", ") + d.key;
    return out;
  }

 private:
  struct Binding {
    std::function<nlohmann::json(const Config&)> get;
    std::function<void(Config&, const nlohmann::json&)> set;
  };

  template <class T>
  static constexpr OptionType type_of() {
    if constexpr (std::is_same_v<T, bool>) return OptionType::kBool;
    if constexpr (std::is_integral_v<T>) return OptionType::kInt;
    if constexpr (std::is_floating_point_v<T>) return OptionType::kDouble;
    if constexpr (std::is_same_v<T, std::string>) return OptionType::kString;
    if constexpr (std::is_same_v<T, std::vector<int>>) return OptionType::kIntList;
    if constexpr (std::is_same_v<T, std::vector<double>>) return OptionType::kDoubleList;
    if constexpr (std::is_same_v<T, std::vector<std::string>>) return OptionType::kStringList;
  }

  OptionDecl& push(OptionDecl d, Binding b, std::string key, std::string flag, std::string help) {
    REVIVE_CHECK(find(key) < 0, "option '" << key << "' declared twice");
    d.key = std::move(key);
    d.flag = std::move(flag);
    d.help = std::move(help);
    d.group = group_;
    d.default_value = b.get(Config{});
    decls_.push_back(std::move(d));
    bindings_.push_back(std::move(b));
    return decls_.back();
  }

  int find(const std::string& key) const {
    for (size_t i = 0; i < decls_.size(); ++i) {
      if (decls_[i].key == key) return static_cast<int>(i);
    }
    return -1;
  }

  size_t index_of(const std::string& key) const {
    const int i = find(key);
    REVIVE_CHECK(i >= 0, "unknown option '" << key << "'; valid: " << keys());
    return static_cast<size_t>(i);
  }

  std::deque<OptionDecl> decls_;  // a deque: declarations returned by reference stay put
  std::vector<Binding> bindings_;
  std::string group_;
};

}  // namespace revive
