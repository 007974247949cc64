#include "tools/option_cli.h"

namespace revive::cli {
namespace {

bool is_list(OptionType t) {
  return t == OptionType::kIntList || t == OptionType::kDoubleList || t == OptionType::kStringList;
}

std::string describe(const OptionDecl& d) {
  const bool free_text = (d.type == OptionType::kString || d.type == OptionType::kStringList) && d.choices.empty();
  if (d.type == OptionType::kBool || (free_text && d.comma_separated)) return d.help;
  if (free_text) return d.help + " (repeat the flag for more)";
  return d.help + " (" + d.valid_values() + ")";
}

std::string default_text(const OptionDecl& d) {
  if (d.default_value.is_null()) return "";
  if (d.default_value.is_array() && d.default_value.empty()) return "";
  if (d.default_value.is_string() && d.default_value.get<std::string>().empty()) return "";
  return option_value_text(d.default_value);
}

}  // namespace

void CliOptions::add(CLI::App& app, const std::vector<OptionDecl>& decls,
                     const std::map<std::string, std::string>& rename) {
  for (const OptionDecl& d : decls) {
    auto it = rename.find(d.key);
    const std::string flag = it != rename.end() ? it->second : d.flag;
    if (flag.empty()) continue;
    bound_.push_back(Bound{d, flag, nullptr, {}, false});
    Bound& b = bound_.back();
    if (d.type == OptionType::kBool) {
      const std::string names = d.negation.empty() ? flag : flag + ",!" + d.negation;
      b.option = app.add_flag(names, b.value, describe(d));
    } else {
      b.option = app.add_option(flag, b.words, describe(d))
                     ->expected(1)
                     ->multi_option_policy(is_list(d.type) ? CLI::MultiOptionPolicy::TakeAll
                                                           : CLI::MultiOptionPolicy::TakeLast);
      const std::string def = default_text(d);
      if (!def.empty()) b.option->default_str(def);
      b.option->type_name(d.type == OptionType::kInt ? "INT" : d.type == OptionType::kDouble ? "NUM" : is_list(d.type) ? "LIST" : "TEXT");
    }
    b.option->group(d.hidden ? "" : d.group.empty() ? "Options" : d.group);
  }
}

nlohmann::json CliOptions::given() const {
  nlohmann::json j = nlohmann::json::object();
  for (const Bound& b : bound_) {
    if (b.option->count() == 0) continue;
    if (b.decl.type == OptionType::kBool) {
      j[b.decl.key] = b.value;
    } else if (is_list(b.decl.type)) {
      nlohmann::json all = nlohmann::json::array();
      for (const std::string& w : b.words) {
        for (auto& v : parse_option_text(b.decl, w, b.flag)) all.push_back(std::move(v));
      }
      j[b.decl.key] = std::move(all);
    } else {
      j[b.decl.key] = parse_option_text(b.decl, b.words.back(), b.flag);
    }
  }
  return j;
}

std::vector<std::string> CliOptions::given_flags() const {
  std::vector<std::string> flags;
  for (const Bound& b : bound_) {
    if (b.option->count() > 0) flags.push_back(b.flag);
  }
  return flags;
}

}  // namespace revive::cli
