// One option of a configuration, declared once: its JSON key, command-line flag, help, default and
// the values it accepts. The command line (tools/option_cli.h), `--help`, config.json and the
// `key=value` forms all read the same declaration (core/option_table.h binds it to a struct field).
//
// Values travel as JSON: a command-line word is parsed into the option's JSON type first
// (parse_option_text), and a value read from a file is checked the same way (check_option_value),
// so both say what was wrong in the same words, e.g. "--batch 0: must be an integer >= 1".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace revive {

enum class OptionType {
  kBool,
  kInt,         // any integer field (int, int64_t, uint64_t), within its declared range
  kDouble,      // a finite number
  kString,      // free text, or one of `choices`
  kIntList,     // comma-separated on the command line, an array in JSON
  kDoubleList,
  kStringList,
};

struct OptionDecl {
  std::string key;       // config.json key and the name in key=value forms, e.g. "limit_train"
  std::string flag;      // e.g. "--limit-train"; empty: not on the command line
  std::string negation;  // booleans only: the flag that sets false, e.g. "--per-epoch"
  std::string help;      // one sentence: what the option means
  std::string group;     // the --help section
  OptionType type = OptionType::kString;
  nlohmann::json default_value;
  // Integers (and each element of an integer list): [int_min, int_max]. uint64 fields set
  // is_unsigned and take any value >= int_min.
  int64_t int_min = INT64_MIN, int_max = INT64_MAX;
  bool is_unsigned = false;
  // Numbers (and each element of a number list): [min, max], either end open when unset;
  // exclusive_min turns [min into (min.
  std::optional<double> min, max;
  bool exclusive_min = false;
  std::vector<std::string> choices;  // strings: the accepted values (empty: any text)
  bool hidden = false;               // testing aids: accepted, but left out of --help
  // Lists: elements are comma-separated in one word (60,120), unless each word is one element
  // that may hold commas itself (--we-set stage_divisors=1,2.5,5, repeated for more).
  bool comma_separated = true;
  // An option added after run folders existed: a config.json without it reads as this value
  // (instead of being refused as incomplete).
  std::optional<nlohmann::json> absent_in_older_runs;
  // A word accepted instead of a value, standing for the option's "unset" state ("off", "beta",
  // "adaptive"); its meaning is the help's. Empty: none. The field's binding maps it.
  std::string word;

  // Fluent setters for declarations.
  OptionDecl& at_least(double lo);
  OptionDecl& above(double lo);  // > lo
  OptionDecl& at_most(double hi);
  OptionDecl& in_range(double lo, double hi);
  OptionDecl& one_of(std::vector<std::string> values);
  OptionDecl& in_group(std::string name);
  OptionDecl& negated_by(std::string flag_name);
  OptionDecl& hide();
  OptionDecl& one_per_flag();
  OptionDecl& added_later(nlohmann::json value_in_older_runs);
  OptionDecl& or_word(std::string w);

  // What a valid value looks like, for messages and --help: "an integer >= 1", "a number in
  // [0, 1]", "one of paper, reference", "comma-separated, each an integer >= 1", "a number > 0,
  // or off", ...
  std::string valid_values() const;
  // How the option is named to the user: its flag when it has one, else its key.
  std::string display_name() const { return flag.empty() ? key : flag; }
};

// The JSON value the command-line text means for `decl` (a list option takes comma-separated
// elements, or the whole text as one element when !comma_separated; a boolean true/false/1/0/yes/no). Throws revive::Error "<origin> <text>: must be
// <valid_values()>" when the text is not a valid value.
nlohmann::json parse_option_text(const OptionDecl& decl, const std::string& text, const std::string& origin);

// Throws revive::Error naming `origin` unless `value` has the option's JSON type and is valid.
void check_option_value(const OptionDecl& decl, const nlohmann::json& value, const std::string& origin);

// The value as a user would type it: 0.05, "cosine", 60,120, true.
std::string option_value_text(const nlohmann::json& value);

}  // namespace revive
