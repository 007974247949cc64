// A study's spec: variants parsed from `revive train` words, their names, the stable plan of runs,
// shards, study.json, and study files in JSON and TOML.
#include "tools/study/study_spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/error_message.h"
#include "tools/study/study_file.h"
#include "support/scratch_path.h"

namespace revive::cli {
namespace {

namespace fs = std::filesystem;

StudySpec two_by_three() {
  StudySpec spec;
  spec.options = {{"dataset", "synthetic"}, {"epochs", 2}};
  spec.seeds = {5, 6, 7};
  spec.variants = {parse_study_variant("none"), parse_study_variant("we --we-preset reference")};
  spec.baseline = default_baseline(spec.variants);
  return spec;
}

TEST(StudySpec, VariantWordsAreReviveTrainWords) {
  const StudyVariant we = parse_study_variant("we --we-preset reference --lr 0.1");
  EXPECT_EQ(we.name, "we--we-preset-reference--lr-0.1");
  EXPECT_EQ(we.options["method"], "we");
  EXPECT_EQ(we.options["we_preset"], "reference");
  EXPECT_DOUBLE_EQ(we.options["lr"].get<double>(), 0.1);
  const StudyVariant plain = parse_study_variant("--lr 0.2", "fast");
  EXPECT_EQ(plain.name, "fast");
  EXPECT_EQ(plain.options["method"], "none");
  EXPECT_EQ(parse_study_variant("--method we --we-set rate_conv=0.1").name, "method-we--we-set-rate_conv=0.1");
  EXPECT_EQ(study_variant_name("we --we-ablation we-g,without-bn"), "we--we-ablation-we-g,without-bn");
  EXPECT_EQ(study_variant_name("we --we-set a=b/c"), "we--we-set-a=b_c");
}

TEST(StudySpec, BadVariantsSayWhich) {
  EXPECT_ERROR(parse_study_variant("we --no-such-flag 1"), "variant 'we --no-such-flag 1'");
  EXPECT_ERROR(parse_study_variant("we --seed 3"), "seeds are the study's");
  EXPECT_ERROR(parse_study_variant("we --batch 0"), "--batch 0");
  EXPECT_ERROR(parse_study_variant("nosuchmethod"), "nosuchmethod");
  EXPECT_ERROR(parse_study_variant("we", "../x"), "cannot name a folder");
  EXPECT_ERROR(parse_study_variant(""), "needs words");
}

TEST(StudySpec, RunsAreSeedMajorAndStable) {
  const StudySpec spec = two_by_three();
  EXPECT_EQ(spec.baseline, "none");
  const std::vector<StudyRun> runs = study_runs(spec);
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[0].dir, "none/seed5");
  EXPECT_EQ(runs[1].dir, "we--we-preset-reference/seed5");
  EXPECT_EQ(runs[2].dir, "none/seed6");
  EXPECT_EQ(runs[5].dir, "we--we-preset-reference/seed7");
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].index, i);
  const RunConfig c = study_run_config(spec, runs[3]);
  EXPECT_EQ(c.seed, 6u);
  EXPECT_EQ(c.method, "we");
  EXPECT_EQ(c.epochs, 2);
  EXPECT_EQ(c.dataset, "synthetic");
  EXPECT_EQ(c.method_options["we_preset"], "reference");
}

TEST(StudySpec, ShardsSplitThePlanWithoutOverlap) {
  const std::vector<StudyRun> runs = study_runs(two_by_three());
  const std::vector<StudyRun> a = study_shard(runs, "0/4"), b = study_shard(runs, "3/4");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].index, 0u);
  EXPECT_EQ(a[1].index, 4u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].index, 3u);
  // For any shard count, the shards together hold every run exactly once.
  for (int n = 1; n <= 8; ++n) {
    std::vector<size_t> seen;
    for (int k = 0; k < n; ++k)
      for (const StudyRun& r : study_shard(runs, std::to_string(k) + "/" + std::to_string(n))) seen.push_back(r.index);
    std::sort(seen.begin(), seen.end());
    std::vector<size_t> all(runs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    EXPECT_EQ(seen, all) << n << " shards";
  }
  EXPECT_ERROR(study_shard(runs, "4/4"), "K/N");
  EXPECT_ERROR(study_shard(runs, "5/4"), "K/N");
  EXPECT_ERROR(study_shard(runs, "0/0"), "K/N");
  EXPECT_ERROR(study_shard(runs, "1/4x"), "K/N");
}

TEST(StudySpec, StudyJsonRoundTripsAndIsChecked) {
  const StudySpec spec = two_by_three();
  const nlohmann::json j = study_spec_to_json(spec);
  EXPECT_EQ(study_spec_to_json(study_spec_from_json(j, "study.json")), j);
  nlohmann::json twice = j;
  twice["variants"].push_back(twice["variants"][0]);
  EXPECT_ERROR(study_spec_from_json(twice, "study.json"), "two variants are named 'none'");
  nlohmann::json lost = j;
  lost["baseline"] = "kr";
  EXPECT_ERROR(study_spec_from_json(lost, "study.json"), "baseline 'kr'");
  nlohmann::json bad = j;
  bad["options"]["epochs"] = 0;
  EXPECT_ERROR(study_spec_from_json(bad, "study.json"), "epochs");
  nlohmann::json seeds = j;
  seeds["seeds"] = {1u, 1u};
  EXPECT_ERROR(study_spec_from_json(seeds, "study.json"), "distinct");
}

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = testing::scratch_path("study_spec_" + name);
  std::ofstream(p) << text;
  return p;
}

TEST(StudyFile, JsonWithNamedVariants) {
  const fs::path p = write_temp("a.json", R"({"options": {"model": "cnn", "limit_train": 100}, "seeds": 2,
      "variants": ["none", {"name": "ref", "args": "we --we-preset reference"}], "baseline": "none"})");
  const nlohmann::json j = read_study_file(p.string());
  EXPECT_EQ(j["options"]["limit_train"], 100);
  EXPECT_EQ(j["variants"][1]["name"], "ref");
  fs::remove(p);
  const fs::path bad = write_temp("b.json", R"({"seeds": 0})");
  EXPECT_ERROR(read_study_file(bad.string()), "seeds must be an integer >= 1");
  fs::remove(bad);
  const fs::path unknown = write_temp("c.json", R"({"variant": ["we"]})");
  EXPECT_ERROR(read_study_file(unknown.string()), "unknown key 'variant'");
  fs::remove(unknown);
}

TEST(StudyFile, TomlBecomesTheSameJson) {
#ifndef REVIVE_HAVE_CPPTOML
  GTEST_SKIP() << "this build has no TOML parser (libcpptoml-dev)";
#endif
  const fs::path p = write_temp("a.toml", R"(seeds = 3
seed = 10
variants = ["none", "we"]
[options]
model = "resnet20"
lr = 0.1
nesterov = true
milestones = [60, 120]
)");
  const nlohmann::json j = read_study_file(p.string());
  fs::remove(p);
  EXPECT_EQ(j["seeds"], 3);
  EXPECT_EQ(j["seed"], 10);
  EXPECT_EQ(j["variants"], (nlohmann::json{"none", "we"}));
  EXPECT_EQ(j["options"]["model"], "resnet20");
  EXPECT_DOUBLE_EQ(j["options"]["lr"].get<double>(), 0.1);
  EXPECT_EQ(j["options"]["nesterov"], true);
  EXPECT_EQ(j["options"]["milestones"], (nlohmann::json{60, 120}));
  const fs::path named = write_temp("b.toml", "[[variants]]\nname = \"ref\"\nargs = \"we --we-preset reference\"\n");
  EXPECT_EQ(read_study_file(named.string())["variants"][0]["args"], "we --we-preset reference");
  fs::remove(named);
  EXPECT_ERROR(toml_to_json("seeds = = 3", "x.toml"), "x.toml: not valid TOML");
}

}  // namespace
}  // namespace revive::cli
