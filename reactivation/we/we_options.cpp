#include "reactivation/we/we_options.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace revive {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string normalised(std::string s, char from, char to) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == from) c = to;
  }
  return s;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (true) {
    const size_t comma = s.find(',', begin);
    out.push_back(s.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
    if (comma == std::string::npos) return out;
    begin = comma + 1;
  }
}

double parse_number(const std::string& key, const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  REVIVE_CHECK(!text.empty() && end == begin + text.size() && std::isfinite(v),
               "WE option " << key << ": '" << text << "' is not a finite number");
  return v;
}

int parse_int(const std::string& key, const std::string& text) {
  const double v = parse_number(key, text);
  REVIVE_CHECK(v == std::floor(v) && std::fabs(v) < 1e9, "WE option " << key << ": '" << text << "' is not an integer");
  return static_cast<int>(v);
}

bool parse_bool(const std::string& key, const std::string& text) {
  const std::string t = normalised(text, '-', '_');
  if (t == "true" || t == "1" || t == "on" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "off" || t == "no") return false;
  REVIVE_THROW("WE option " << key << ": '" << text << "' is not a boolean (true/false, on/off, 1/0)");
}

// Maps a value to one of an enum's names; the error lists them.
template <class E>
E parse_choice(const std::string& key, const std::string& text, const std::vector<std::pair<std::string, E>>& names) {
  const std::string t = normalised(text, '-', '_');
  std::vector<std::string> valid;
  for (const auto& [name, value] : names) {
    if (t == name) return value;
    valid.push_back(name);
  }
  REVIVE_THROW("WE option " << key << ": unknown value '" << text << "', expected one of " << join(valid));
}

const std::vector<std::pair<std::string, WeCrossover>> kCrossoverNames{{"paper", WeCrossover::kPaper},
                                                                       {"reference_code", WeCrossover::kReferenceCode}};
const std::vector<std::pair<std::string, WeFilterLevelBlend>> kFilterLevelBlendNames{
    {"kernel_1x1", WeFilterLevelBlend::kKernel1x1},
    {"depthwise", WeFilterLevelBlend::kDepthwise},
    {"none", WeFilterLevelBlend::kNone}};
// The option's earlier name and values, which the we_set of runs saved before the rename still
// hold (a resumed run parses them again).
const std::vector<std::pair<std::string, WeFilterLevelBlend>> kOldDepthwiseNames{
    {"code_kh1", WeFilterLevelBlend::kKernel1x1},
    {"filter_level", WeFilterLevelBlend::kDepthwise},
    {"element", WeFilterLevelBlend::kNone}};
const std::vector<std::pair<std::string, WeMatching>> kMatchingNames{{"forward", WeMatching::kForward},
                                                                     {"reverse", WeMatching::kReverse}};
const std::vector<std::pair<std::string, WeLevel>> kLevelNames{{"element", WeLevel::kElement},
                                                               {"filter", WeLevel::kFilter}};
const std::vector<std::pair<std::string, WeSelection>> kSelectionNames{{"both", WeSelection::kBoth},
                                                                       {"global_only", WeSelection::kGlobalOnly},
                                                                       {"local_only", WeSelection::kLocalOnly}};

template <class E>
std::string choice_name(E value, const std::vector<std::pair<std::string, E>>& names) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "unknown";
}

bool has(const std::vector<std::string>& items, const std::string& s) {
  return std::find(items.begin(), items.end(), s) != items.end();
}

}  // namespace

const std::vector<std::string>& we_preset_names() {
  static const std::vector<std::string> names{"paper", "reference"};
  return names;
}

WeOptions we_preset(const std::string& name) {
  const std::string n = normalised(name, '_', '-');
  WeOptions o;  // the defaults are the paper preset ("Decisions" 1)
  if (n == "paper" || n == "we-paper") return o;
  if (n == "reference" || n == "we-reference-cifar") {
    // "Decisions" 1 and 1.8: the published CIFAR code's behaviour.
    o.preset = "reference";
    o.rate_conv = 0.2;
    o.rate_bn_gamma = 0.05;
    o.rate_bn_beta = 0.05;
    o.stage_divisors = {1.0, 2.5, 5.0};
    o.ri_threshold = 0.1;
    o.ri_inclusive = true;
    o.fallback_ln_c = 2;
    o.crossover = WeCrossover::kReferenceCode;
    // The code's test is on the kernel height: 1x1 convs blend whole filters, 3x3 depthwise
    // convs take the element crossover (spec 1.6a).
    o.filter_level_blend = WeFilterLevelBlend::kKernel1x1;
    return o;
  }
  REVIVE_THROW("unknown WE preset '" << name << "': expected one of " << join(we_preset_names()));
}

const std::vector<std::string>& we_ablation_names() {
  static const std::vector<std::string> names{"we-g",          "we-l",       "we-rm",       "fixed-alpha=<a>",
                                              "filter-level-gl", "without-bn", "without-conv"};
  return names;
}

void apply_we_ablation(WeOptions& o, const std::string& ablation) {
  const std::string a = normalised(ablation, '_', '-');
  const size_t eq = a.find('=');
  const std::string name = a.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
  REVIVE_CHECK(!has(o.ablations, name), "WE ablation '" << name << "' given twice");
  REVIVE_CHECK(name == "fixed-alpha" || eq == std::string::npos,
               "WE ablation '" << name << "' takes no value, got '" << ablation << "'");
  // Spec 1.10.
  if (name == "we-g") {
    REVIVE_CHECK(!has(o.ablations, "we-l"), "WE ablations we-g and we-l exclude each other");
    o.selection = WeSelection::kGlobalOnly;
  } else if (name == "we-l") {
    REVIVE_CHECK(!has(o.ablations, "we-g"), "WE ablations we-g and we-l exclude each other");
    o.selection = WeSelection::kLocalOnly;
  } else if (name == "we-rm") {
    o.matching = WeMatching::kReverse;
  } else if (name == "fixed-alpha") {
    REVIVE_CHECK(!value.empty(), "WE ablation fixed-alpha needs a value: fixed-alpha=<alpha in [0, 1]>");
    // Fig. 6 fixes the alpha of Eq. 5, the paper's crossover; the reference code's harmonic form
    // has no alpha of that meaning.
    o.alpha_fixed = true;
    o.alpha = parse_number("fixed-alpha", value);
    o.crossover = WeCrossover::kPaper;
  } else if (name == "filter-level-gl") {
    o.level = WeLevel::kFilter;
  } else if (name == "without-bn") {
    o.apply_bn_gamma = o.apply_bn_beta = false;
  } else if (name == "without-conv") {
    o.apply_conv = false;
  } else {
    REVIVE_THROW("unknown WE ablation '" << ablation << "': expected one of " << join(we_ablation_names()));
  }
  o.ablations.push_back(name);
}

const std::vector<std::string>& we_option_keys() {
  static const std::vector<std::string> keys{
      "rate_conv",       "rate_bn_gamma", "rate_bn_beta", "stage_divisors", "beta",      "eta",
      "stage_boundaries", "ri_threshold", "lambda",       "ri_inclusive",   "fallback_ln_c", "crossover",
      "harmonic_eps",    "filter_level_blend",     "group_aware_ri", "apply_to",     "matching",  "alpha",
      "level",           "selection"};
  return keys;
}

void apply_we_override(WeOptions& o, const std::string& key_value) {
  const size_t eq = key_value.find('=');
  REVIVE_CHECK(eq != std::string::npos && eq > 0, "WE option '" << key_value << "': expected key=value");
  const std::string key = normalised(key_value.substr(0, eq), '-', '_');
  const std::string value = key_value.substr(eq + 1);
  if (key == "rate_conv") {
    o.rate_conv = parse_number(key, value);
  } else if (key == "rate_bn_gamma") {
    o.rate_bn_gamma = parse_number(key, value);
  } else if (key == "rate_bn_beta") {
    o.rate_bn_beta = parse_number(key, value);
  } else if (key == "stage_divisors") {
    o.stage_divisors.clear();
    if (normalised(value, '-', '_') != "beta")
      for (const auto& item : split_commas(value)) o.stage_divisors.push_back(parse_number(key, item));
  } else if (key == "beta") {
    o.beta = parse_number(key, value);
  } else if (key == "eta") {
    o.eta = parse_number(key, value);
  } else if (key == "stage_boundaries") {
    o.stage_boundaries.clear();
    if (normalised(value, '-', '_') != "schedule")
      for (const auto& item : split_commas(value)) o.stage_boundaries.push_back(parse_int(key, item));
  } else if (key == "ri_threshold" || key == "lambda") {
    o.ri_threshold = parse_number(key, value);
  } else if (key == "ri_inclusive") {
    o.ri_inclusive = parse_bool(key, value);
  } else if (key == "fallback_ln_c") {
    o.fallback_ln_c = normalised(value, '-', '_') == "off" ? 0.0 : parse_number(key, value);
  } else if (key == "crossover") {
    o.crossover = parse_choice(key, value, kCrossoverNames);
  } else if (key == "harmonic_eps") {
    o.harmonic_eps = parse_number(key, value);
  } else if (key == "filter_level_blend") {
    o.filter_level_blend = parse_choice(key, value, kFilterLevelBlendNames);
  } else if (key == "depthwise") {
    o.filter_level_blend = parse_choice(key, value, kOldDepthwiseNames);
  } else if (key == "group_aware_ri") {
    o.group_aware_ri = parse_bool(key, value);
  } else if (key == "apply_to") {
    o.apply_conv = o.apply_bn_gamma = o.apply_bn_beta = false;
    for (const auto& item : split_commas(value)) {
      const std::string t = normalised(item, '-', '_');
      if (t == "conv") o.apply_conv = true;
      else if (t == "bn_gamma") o.apply_bn_gamma = true;
      else if (t == "bn_beta") o.apply_bn_beta = true;
      else REVIVE_THROW("WE option apply_to: unknown item '" << item << "', expected a list of conv, bn_gamma, bn_beta");
    }
  } else if (key == "matching") {
    o.matching = parse_choice(key, value, kMatchingNames);
  } else if (key == "alpha") {
    o.alpha_fixed = normalised(value, '-', '_') != "adaptive";
    if (o.alpha_fixed) o.alpha = parse_number(key, value);
  } else if (key == "level") {
    o.level = parse_choice(key, value, kLevelNames);
  } else if (key == "selection") {
    o.selection = parse_choice(key, value, kSelectionNames);
  } else {
    REVIVE_THROW("unknown WE option '" << key << "': expected one of " << join(we_option_keys()));
  }
}

void validate_we_options(const WeOptions& o) {
  const auto in_unit = [](double v) { return std::isfinite(v) && v >= 0 && v <= 1; };
  REVIVE_CHECK(in_unit(o.rate_conv) && in_unit(o.rate_bn_gamma) && in_unit(o.rate_bn_beta),
               "WE rates must lie in [0, 1], got rate_conv=" << o.rate_conv << " rate_bn_gamma=" << o.rate_bn_gamma
                                                             << " rate_bn_beta=" << o.rate_bn_beta);
  for (double d : o.stage_divisors)
    REVIVE_CHECK(std::isfinite(d) && d > 0, "WE stage divisors must be finite and > 0, got " << d);
  REVIVE_CHECK(std::isfinite(o.beta) && o.beta > 0, "WE beta must be finite and > 0, got " << o.beta);
  REVIVE_CHECK(std::isfinite(o.eta) && o.eta > 0, "WE eta must be finite and > 0, got " << o.eta);
  if (!o.stage_boundaries.empty()) {
    REVIVE_CHECK(o.stage_boundaries[0] == 0, "WE stage_boundaries must start at epoch 0");
    for (size_t i = 1; i < o.stage_boundaries.size(); ++i)
      REVIVE_CHECK(o.stage_boundaries[i] > o.stage_boundaries[i - 1], "WE stage_boundaries must increase strictly");
  }
  REVIVE_CHECK(std::isfinite(o.ri_threshold) && o.ri_threshold >= 0,
               "WE ri_threshold (lambda) must be finite and >= 0, got " << o.ri_threshold);
  REVIVE_CHECK(std::isfinite(o.fallback_ln_c) && o.fallback_ln_c >= 0,
               "WE fallback_ln_c must be 'off' or a finite number > 0, got " << o.fallback_ln_c);
  REVIVE_CHECK(std::isfinite(o.harmonic_eps) && o.harmonic_eps >= 0,
               "WE harmonic_eps must be finite and >= 0, got " << o.harmonic_eps);
  REVIVE_CHECK(!o.alpha_fixed || in_unit(o.alpha), "WE fixed alpha must lie in [0, 1], got " << o.alpha);
  REVIVE_CHECK(!(o.alpha_fixed && o.crossover == WeCrossover::kReferenceCode),
               "WE fixed alpha replaces the alpha of the paper's Eq. 5 (spec 1.6, Fig. 6): use crossover=paper, "
               "the reference code's harmonic crossover has no such alpha");
  REVIVE_CHECK(o.apply_conv || o.apply_bn_gamma || o.apply_bn_beta,
               "WE applies to nothing: apply_to needs at least one of conv, bn_gamma, bn_beta "
               "(without-bn and without-conv together leave nothing)");
}

WeOptions parse_we_options(const std::string& preset, const std::vector<std::string>& ablations,
                           const std::vector<std::string>& overrides) {
  WeOptions o = we_preset(preset.empty() ? "paper" : preset);
  for (const auto& a : ablations) apply_we_ablation(o, a);
  for (const auto& kv : overrides) apply_we_override(o, kv);
  validate_we_options(o);
  return o;
}

nlohmann::json we_options_to_json(const WeOptions& o) {
  nlohmann::json apply = nlohmann::json::array();
  if (o.apply_conv) apply.push_back("conv");
  if (o.apply_bn_gamma) apply.push_back("bn_gamma");
  if (o.apply_bn_beta) apply.push_back("bn_beta");
  return {{"preset", o.preset},
          {"ablations", o.ablations},
          {"rate_conv", o.rate_conv},
          {"rate_bn_gamma", o.rate_bn_gamma},
          {"rate_bn_beta", o.rate_bn_beta},
          {"stage_divisors", o.stage_divisors.empty() ? nlohmann::json("beta") : nlohmann::json(o.stage_divisors)},
          {"beta", o.beta},
          {"eta", o.eta},
          {"stage_boundaries",
           o.stage_boundaries.empty() ? nlohmann::json("schedule") : nlohmann::json(o.stage_boundaries)},
          {"ri_threshold", o.ri_threshold},
          {"ri_inclusive", o.ri_inclusive},
          {"fallback_ln_c", o.fallback_ln_c > 0 ? nlohmann::json(o.fallback_ln_c) : nlohmann::json("off")},
          {"crossover", choice_name(o.crossover, kCrossoverNames)},
          {"harmonic_eps", o.harmonic_eps},
          {"filter_level_blend", choice_name(o.filter_level_blend, kFilterLevelBlendNames)},
          {"group_aware_ri", o.group_aware_ri},
          {"apply_to", apply},
          {"matching", choice_name(o.matching, kMatchingNames)},
          {"alpha", o.alpha_fixed ? nlohmann::json(o.alpha) : nlohmann::json("adaptive")},
          {"level", choice_name(o.level, kLevelNames)},
          {"selection", choice_name(o.selection, kSelectionNames)}};
}

}  // namespace revive
