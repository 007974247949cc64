#include "reactivation/we/we_options.h"

#include <algorithm>
#include <cctype>

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

bool has(const std::vector<std::string>& items, const std::string& s) {
  return std::find(items.begin(), items.end(), s) != items.end();
}

// Other names of a key: `lambda` is the paper's name of ri_threshold.
const std::vector<std::pair<std::string, std::string>> kKeyAliases{{"lambda", "ri_threshold"}};
// The filter-level blend's earlier key and values, which the we_set of runs saved before the
// rename still hold (a resumed run parses them again): depthwise=code_kh1|filter_level|element.
const std::vector<std::pair<std::string, std::string>> kOldDepthwiseValues{
    {"code_kh1", "kernel_1x1"}, {"filter_level", "depthwise"}, {"element", "none"}};

const std::vector<std::string> kApplyToNames{"conv", "bn_gamma", "bn_beta"};

OptionTable<WeOptions> make_we_option_table() {
  using json = nlohmann::json;
  OptionTable<WeOptions> t;
  t.start_group("Weight Evolution options (--we-set key=value)");
  // docs/weight-evolution.md §1.3: the rates of the three global pools and their schedule.
  t.add(&WeOptions::rate_conv, "rate_conv", "", "Base rate of the conv filter pool").in_range(0, 1);
  t.add(&WeOptions::rate_bn_gamma, "rate_bn_gamma", "", "Base rate of the BN gamma pool").in_range(0, 1);
  t.add(&WeOptions::rate_bn_beta, "rate_bn_beta", "", "Base rate of the BN beta pool").in_range(0, 1);
  t.add_custom(
       "stage_divisors", "", "The rate's divisor of each stage: beta^(t-1), or this list (later stages keep its last)",
       OptionType::kDoubleList,
       [](const WeOptions& o) { return o.stage_divisors.empty() ? json("beta") : json(o.stage_divisors); },
       [](WeOptions& o, const json& v) {
         o.stage_divisors = v.is_string() ? std::vector<double>{} : v.get<std::vector<double>>();
       })
      .above(0)
      .or_word("beta");
  t.add(&WeOptions::beta, "beta", "", "Base of the stage divisors beta^(t-1)").above(0);
  t.add(&WeOptions::eta, "eta", "", "Time scale of the rate's sigmoid, in epochs").above(0);
  t.add_custom(
       "stage_boundaries", "", "The epochs where stages start: the LR schedule's decays, or this list (from 0, increasing)",
       OptionType::kIntList,
       [](const WeOptions& o) { return o.stage_boundaries.empty() ? json("schedule") : json(o.stage_boundaries); },
       [](WeOptions& o, const json& v) {
         o.stage_boundaries = v.is_string() ? std::vector<int>{} : v.get<std::vector<int>>();
       })
      .in_range(0, INT32_MAX)
      .or_word("schedule");
  // §1.4: the local selection.
  t.add(&WeOptions::ri_threshold, "ri_threshold", "", "lambda of the relative-importance test (alias lambda)")
      .at_least(0);
  t.add(&WeOptions::ri_inclusive, "ri_inclusive", "", "The relative-importance test is importance <= lambda * max, not <");
  t.add_custom(
       "fallback_ln_c", "", "The fallback counter's period is (conv layers) / this; off (or 0): no fallback",
       OptionType::kDouble, [](const WeOptions& o) { return o.fallback_ln_c == 0 ? json("off") : json(o.fallback_ln_c); },
       [](WeOptions& o, const json& v) { o.fallback_ln_c = v.is_string() ? 0.0 : v.get<double>(); })
      .at_least(0)
      .or_word("off");
  // §1.6: the crossover.
  t.add_enum(&WeOptions::crossover, "crossover", "", "The element crossover's formula",
             {{"paper", WeCrossover::kPaper}, {"reference_code", WeCrossover::kReferenceCode}});
  t.add(&WeOptions::harmonic_eps, "harmonic_eps", "",
        "reference_code crossover: |m + l| <= harmonic_eps counts as a zero denominator")
      .at_least(0);
  t.add_enum(&WeOptions::filter_level_blend, "filter_level_blend", "",
             "Which conv layers take the filter-level blend: those with 1x1 kernels, depthwise ones, or none",
             {{"kernel_1x1", WeFilterLevelBlend::kKernel1x1},
              {"depthwise", WeFilterLevelBlend::kDepthwise},
              {"none", WeFilterLevelBlend::kNone}});
  t.add(&WeOptions::group_aware_ri, "group_aware_ri", "",
        "The relative-importance max is taken per group of a grouped conv, not per layer");
  t.add_custom(
       "apply_to", "", "The pools the step runs on", OptionType::kStringList,
       [](const WeOptions& o) {
         json list = json::array();
         if (o.apply_conv) list.push_back("conv");
         if (o.apply_bn_gamma) list.push_back("bn_gamma");
         if (o.apply_bn_beta) list.push_back("bn_beta");
         return list;
       },
       [](WeOptions& o, const json& v) {
         o.apply_conv = has(v.get<std::vector<std::string>>(), "conv");
         o.apply_bn_gamma = has(v.get<std::vector<std::string>>(), "bn_gamma");
         o.apply_bn_beta = has(v.get<std::vector<std::string>>(), "bn_beta");
       })
      .one_of(kApplyToNames);
  // §1.5 and §1.10: matching and the ablations' options.
  t.add_enum(&WeOptions::matching, "matching", "", "forward, or WE-RM's reverse matching",
             {{"forward", WeMatching::kForward}, {"reverse", WeMatching::kReverse}});
  t.add_custom(
       "alpha", "", "A fixed alpha for every blend (needs crossover=paper), or adaptive", OptionType::kDouble,
       [](const WeOptions& o) { return o.alpha_fixed ? json(o.alpha) : json("adaptive"); },
       [](WeOptions& o, const json& v) {
         o.alpha_fixed = !v.is_string();
         if (o.alpha_fixed) o.alpha = v.get<double>();
       })
      .in_range(0, 1)
      .or_word("adaptive");
  t.add_enum(&WeOptions::level, "level", "", "filter: the filter-level blend on every conv layer",
             {{"element", WeLevel::kElement}, {"filter", WeLevel::kFilter}});
  t.add_enum(&WeOptions::selection, "selection", "", "Which selections decide the inferior filters",
             {{"both", WeSelection::kBoth},
              {"global_only", WeSelection::kGlobalOnly},
              {"local_only", WeSelection::kLocalOnly}});
  return t;
}

}  // namespace

const OptionTable<WeOptions>& we_option_table() {
  static const OptionTable<WeOptions> table = make_we_option_table();
  return table;
}

const std::vector<std::string>& we_preset_names() {
  static const std::vector<std::string> names{"paper", "reference"};
  return names;
}

WeOptions we_preset(const std::string& name) {
  const std::string n = normalised(name, '_', '-');
  WeOptions o;  // the defaults are the paper preset (§0.1)
  if (n == "paper" || n == "we-paper") return o;
  if (n == "reference" || n == "we-reference-cifar") {
    // §0.1 and §1.8: the published CIFAR code's behaviour.
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
    // convs take the element crossover (§1.6a).
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
  // §1.10.
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
    OptionDecl alpha = we_option_table().decl("alpha");
    alpha.word.clear();  // "adaptive" is no fixed alpha
    o.alpha_fixed = true;
    o.alpha = parse_option_text(alpha, value, "--we-ablation fixed-alpha=").get<double>();
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
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const OptionDecl& d : we_option_table().decls()) {
      k.push_back(d.key);
      for (const auto& [alias, key] : kKeyAliases) {
        if (key == d.key) k.push_back(alias);
      }
    }
    return k;
  }();
  return keys;
}

void apply_we_override(WeOptions& o, const std::string& key_value) {
  const size_t eq = key_value.find('=');
  REVIVE_CHECK(eq != std::string::npos && eq > 0,
               "--we-set " << key_value << ": expected key=value, keys: " << join(we_option_keys()));
  const std::string typed_key = key_value.substr(0, eq);
  std::string key = normalised(typed_key, '-', '_');
  std::string value = key_value.substr(eq + 1);
  for (const auto& [alias, target] : kKeyAliases) {
    if (key == alias) key = target;
  }
  if (key == "depthwise") {
    const std::string old_value = normalised(value, '-', '_');
    const auto it = std::find_if(kOldDepthwiseValues.begin(), kOldDepthwiseValues.end(),
                                 [&](const auto& names) { return names.first == old_value; });
    REVIVE_CHECK(it != kOldDepthwiseValues.end(),
                 "--we-set depthwise=" << value << ": must be one of code_kh1, filter_level, element (the old "
                                       << "name of filter_level_blend=kernel_1x1|depthwise|none)");
    key = "filter_level_blend";
    value = it->second;
  }
  const OptionTable<WeOptions>& table = we_option_table();
  REVIVE_CHECK(table.has(key), "--we-set " << key_value << ": unknown WE option '" << key << "'; keys: "
                                            << join(we_option_keys()));
  const OptionDecl& d = table.decl(key);
  // Keys and choices ignore case and take '-' for '_'; numbers are left as typed (1e-12).
  const bool words = d.type == OptionType::kBool || d.type == OptionType::kString || d.type == OptionType::kStringList;
  if (words) value = normalised(value, '-', '_');
  if (!d.word.empty() && normalised(value, '-', '_') == d.word) value = d.word;
  table.set_text(o, key, value, "--we-set " + typed_key + "=");
}

void validate_we_options(const WeOptions& o) {
  we_option_table().check(o, "WE option");
  if (!o.stage_boundaries.empty()) {
    REVIVE_CHECK(o.stage_boundaries[0] == 0, "WE stage_boundaries must start at epoch 0");
    for (size_t i = 1; i < o.stage_boundaries.size(); ++i)
      REVIVE_CHECK(o.stage_boundaries[i] > o.stage_boundaries[i - 1], "WE stage_boundaries must increase strictly");
  }
  REVIVE_CHECK(!(o.alpha_fixed && o.crossover == WeCrossover::kReferenceCode),
               "WE fixed alpha replaces the alpha of the paper's Eq. 5 (§1.6, Fig. 6): use crossover=paper, "
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
  nlohmann::json j = we_option_table().to_json(o);
  j["preset"] = o.preset;
  j["ablations"] = o.ablations;
  return j;
}

}  // namespace revive
