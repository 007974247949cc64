// What a study asks for (`revive study`): the options every run shares, the variants (each a list
// of `revive train` words: a method with its presets, ablations and overrides) and the seeds. Its
// runs form one stable ordered list, seed-major (every variant of the first seed, then of the
// second, ...) so that an interrupted study has complete baseline/method pairs first; run i lives
// in <study>/<variant>/seed<k>/, a self-contained `revive train` folder. study.json records the
// spec, so the study's report, a resumed study and shards need nothing but the folder.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run/run_config.h"

namespace revive::cli {

struct StudyVariant {
  std::string name;        // the folder name: given, or made from the words
  std::string args;        // `revive train` words; a first word without dashes is the method
  nlohmann::json options;  // the options the words give, by key (method included)
};

struct StudySpec {
  nlohmann::json options = nlohmann::json::object();  // shared by every run, by key (no seed, no method)
  std::vector<uint64_t> seeds;
  std::vector<StudyVariant> variants;
  std::string baseline;  // the variant the others are compared with
};

struct StudyRun {
  size_t index = 0;  // in the plan, from 0
  size_t variant = 0;
  uint64_t seed = 0;
  std::string dir;  // relative to the study folder: <variant>/seed<k>
};

// The variant that `args` (revive train words) describe, named `name` or, when empty, after its
// words ("we --we-preset reference" -> "we--we-preset-reference"). The words are parsed with the
// declarations of `revive train` (tools/option_cli.h); --seed is the study's and is refused.
// Throws revive::Error naming the variant.
StudyVariant parse_study_variant(const std::string& args, const std::string& name = "");

// A folder-safe name from a variant's words.
std::string study_variant_name(const std::string& args);

// The checks every spec must pass: seeds and variants present, seeds distinct, names distinct and
// folder-safe, the baseline one of the variants, and every run's configuration valid.
void validate_study_spec(const StudySpec& spec);

// The default baseline: the first variant of method `none`, else the first variant.
std::string default_baseline(const std::vector<StudyVariant>& variants);

std::vector<StudyRun> study_runs(const StudySpec& spec);

// Run `run`'s configuration: the study's options, the variant's over them, the run's seed.
RunConfig study_run_config(const StudySpec& spec, const StudyRun& run);

// study.json's object and back (throws naming `origin` on a damaged file).
nlohmann::json study_spec_to_json(const StudySpec& spec);
StudySpec study_spec_from_json(const nlohmann::json& j, const std::string& origin);

// "K/N" (0 <= K < N): the runs of shard K, those whose index is K modulo N (shards count from 0,
// as Slurm's array task ids do).
std::vector<StudyRun> study_shard(const std::vector<StudyRun>& runs, const std::string& shard);

}  // namespace revive::cli
