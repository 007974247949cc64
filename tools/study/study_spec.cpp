#include "tools/study/study_spec.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/json_fields.h"
#include "reactivation/registry.h"
#include "tools/option_cli.h"

namespace revive::cli {
namespace {

bool folder_safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '=' || c == ',' || c == '+';
}

void check_variant_name(const std::string& name) {
  REVIVE_CHECK(!name.empty() && name != "." && name != ".." && name.front() != '-' &&
                   std::all_of(name.begin(), name.end(), folder_safe_char),
               "variant name '" << name << "' cannot name a folder: use letters, digits and . _ - = , + "
                                << "(not first: -)");
}

}  // namespace

std::string study_variant_name(const std::string& args) {
  std::istringstream words(args);
  std::string name, w;
  while (words >> w) {
    if (!name.empty() && w.front() != '-') name += '-';
    name += w;
  }
  for (char& c : name) c = folder_safe_char(c) ? c : '_';
  const size_t first = name.find_first_not_of('-');
  return first == std::string::npos ? std::string() : name.substr(first);
}

StudyVariant parse_study_variant(const std::string& args, const std::string& name) {
  StudyVariant v{name.empty() ? study_variant_name(args) : name, args, nlohmann::json::object()};
  const std::string who = "variant '" + (name.empty() ? args : name) + "'";
  std::istringstream words(args);
  std::string first;
  words >> first;
  REVIVE_CHECK(!first.empty(), "a variant needs words: a method (none, we, ...) and options, e.g. \"we "
                               "--we-preset reference\"");
  // The words of `revive train`, with its declarations: a first word without dashes is --method.
  CLI::App app{"variant"};
  app.set_help_flag();
  CliOptions options;
  options.add(app, run_option_decls());
  for (const MethodSpec& m : reactivation_methods()) options.add(app, m.options);
  try {
    app.parse(first.front() == '-' ? args : "--method " + args, /*program_name_included=*/false);
    v.options = options.given();
  } catch (const CLI::ParseError& e) {
    REVIVE_THROW(who << ": " << e.what());
  } catch (const Error& e) {
    REVIVE_THROW(who << ": " << e.what());
  }
  REVIVE_CHECK(!v.options.contains("seed"), who << ": the seeds are the study's (--seed, --seeds, --seed-list)");
  if (!v.options.contains("method")) v.options["method"] = "none";
  check_variant_name(v.name);
  return v;
}

std::string default_baseline(const std::vector<StudyVariant>& variants) {
  for (const StudyVariant& v : variants) {
    if (v.options.value("method", "none") == "none") return v.name;
  }
  return variants.empty() ? std::string() : variants.front().name;
}

std::vector<StudyRun> study_runs(const StudySpec& spec) {
  std::vector<StudyRun> runs;
  for (uint64_t seed : spec.seeds) {
    for (size_t v = 0; v < spec.variants.size(); ++v) {
      runs.push_back({runs.size(), v, seed, spec.variants[v].name + "/seed" + std::to_string(seed)});
    }
  }
  return runs;
}

RunConfig study_run_config(const StudySpec& spec, const StudyRun& run) {
  const StudyVariant& v = spec.variants.at(run.variant);
  nlohmann::json options = spec.options;
  for (const auto& [key, value] : v.options.items()) options[key] = value;
  options["seed"] = run.seed;
  return run_config_from_json(options, "study variant '" + v.name + "'", OptionSource::kUser);
}

void validate_study_spec(const StudySpec& spec) {
  REVIVE_CHECK(!spec.variants.empty(), "a study needs variants: --variant none --variant we ...");
  REVIVE_CHECK(!spec.seeds.empty(), "a study needs seeds: --seeds N or --seed-list");
  REVIVE_CHECK(!spec.options.contains("seed") && !spec.options.contains("method"),
               "the study's options give neither the seed (--seeds) nor the method (--variant)");
  std::set<uint64_t> seeds(spec.seeds.begin(), spec.seeds.end());
  REVIVE_CHECK(seeds.size() == spec.seeds.size(), "the study's seeds must be distinct");
  std::set<std::string> names;
  for (const StudyVariant& v : spec.variants) {
    check_variant_name(v.name);
    REVIVE_CHECK(names.insert(v.name).second,
                 "two variants are named '" << v.name << "': name them (name=... in a study file)");
  }
  REVIVE_CHECK(names.count(spec.baseline), "the baseline '" << spec.baseline << "' is none of the variants");
  for (size_t v = 0; v < spec.variants.size(); ++v) study_run_config(spec, StudyRun{0, v, spec.seeds.front(), ""});
}

nlohmann::json study_spec_to_json(const StudySpec& spec) {
  nlohmann::json variants = nlohmann::json::array();
  for (const StudyVariant& v : spec.variants) {
    variants.push_back({{"name", v.name}, {"args", v.args}, {"options", v.options}});
  }
  return {{"options", spec.options}, {"seeds", spec.seeds}, {"variants", variants}, {"baseline", spec.baseline}};
}

StudySpec study_spec_from_json(const nlohmann::json& j, const std::string& origin) {
  StudySpec spec;
  const nlohmann::json& options = json_field(j, "options", origin);
  REVIVE_CHECK(options.is_object(), origin << ": options is not an object");
  spec.options = options;
  const nlohmann::json& seeds = json_field(j, "seeds", origin);
  REVIVE_CHECK(seeds.is_array(), origin << ": seeds is not an array");
  for (size_t i = 0; i < seeds.size(); ++i) {
    spec.seeds.push_back(json_uint(nlohmann::json{{"seed", seeds[i]}}, "seed", origin + " seeds"));
  }
  const nlohmann::json& variants = json_field(j, "variants", origin);
  REVIVE_CHECK(variants.is_array(), origin << ": variants is not an array");
  for (const nlohmann::json& v : variants) {
    StudyVariant sv;
    sv.name = json_string(v, "name", origin + " variant");
    sv.args = json_string(v, "args", origin + " variant " + sv.name);
    sv.options = json_field(v, "options", origin + " variant " + sv.name);
    REVIVE_CHECK(sv.options.is_object(), origin << " variant " << sv.name << ": options is not an object");
    spec.variants.push_back(std::move(sv));
  }
  spec.baseline = json_string(j, "baseline", origin);
  validate_study_spec(spec);
  return spec;
}

std::vector<StudyRun> study_shard(const std::vector<StudyRun>& runs, const std::string& shard) {
  size_t k = 0, n = 0;
  char slash = 0, extra = 0;
  std::istringstream is(shard);
  const bool ok = static_cast<bool>(is >> k >> slash >> n) && slash == '/' && !(is >> extra) && n >= 1 && k < n;
  REVIVE_CHECK(ok, "--shard " << shard << ": must be K/N with 0 <= K < N, e.g. 0/4 (shards count from 0, as Slurm's array task ids)");
  std::vector<StudyRun> mine;
  for (const StudyRun& r : runs) {
    if (r.index % n == k) mine.push_back(r);
  }
  return mine;
}

}  // namespace revive::cli
