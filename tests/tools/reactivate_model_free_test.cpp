// `revive reactivate` without --model, on a CNN exported from PyTorch whose modules revive's zoo
// does not name (tests/fixtures/plain_net.safetensors, made by tools/make_state_dict_fixture.py:
// revive's `cnn` under the names stem.conv, stem.norm, stages.1.conv, ..., head). Stepped with its
// named_modules() order, it must give, bit for bit, what the same weights give under --model cnn;
// the order used is said; groups are asked for where a method's options read them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/safetensors.h"
#include "tools/plain_net_fixture.h"
#include "tools/run_binary.h"

namespace revive {
namespace {

namespace fs = std::filesystem;

using testing::kFixture;
using testing::kModules;
using testing::same_bytes;
using testing::step_line;
using testing::untimed;
using testing::zoo_name;

// One folder per process: ctest runs this file's tests side by side, each in a process of its own,
// and they write files of the same names.
fs::path work_dir() {
  struct Folder {
    fs::path path = fs::temp_directory_path() / ("revive_reactivate_model_free_" + std::to_string(::getpid()));
    Folder() { fs::create_directories(path); }
    ~Folder() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

// The fixture saved under the zoo's names.
std::string zoo_named_fixture() {
  const std::string path = (work_dir() / "zoo_named.safetensors").string();
  testing::save_zoo_named(path, load_safetensors(kFixture));
  return path;
}

testing::RunResult run(const std::string& args) { return testing::run_revive(args); }

struct Step {
  nlohmann::json line;
  SafetensorsFile out;
};

Step step(const std::string& args, const std::string& in, const std::string& out_name) {
  const std::string out = (work_dir() / out_name).string();
  const testing::RunResult r =
      run("reactivate --method we --epoch 7 --threads 2 " + args + " --in " + in + " --out " + out);
  EXPECT_EQ(r.status, 0) << args << "\n" << r.output;
  if (r.status != 0) return {};
  return {step_line(r.output), load_safetensors(out)};
}

// Model-free with `free_args` against --model cnn with the same method options; returns the
// model-free step's line.
nlohmann::json expect_zoo_result(const std::string& method_args, const std::string& free_args) {
  const Step zoo = step("--model cnn " + method_args, zoo_named_fixture(), "zoo.safetensors");
  const Step free = step(free_args + " " + method_args, kFixture, "free.safetensors");
  if (zoo.line.is_null() || free.line.is_null()) return nullptr;
  EXPECT_EQ(untimed(free.line["report"]), untimed(zoo.line["report"])) << method_args;
  const SafetensorsFile in = load_safetensors(kFixture);
  EXPECT_EQ(free.out.tensors.size(), in.tensors.size());
  int changed = 0;
  for (const auto& [name, t] : in.tensors) {
    if (!free.out.tensors.count(name)) {
      ADD_FAILURE() << name << " is missing from the output";
      continue;
    }
    EXPECT_TRUE(same_bytes(free.out.tensors.at(name), zoo.out.tensors.at(zoo_name(name)))) << name << " " << method_args;
    changed += !same_bytes(free.out.tensors.at(name), t);
  }
  EXPECT_GT(changed, 0) << "the step rewrote nothing: " << free.line.dump();
  EXPECT_EQ(free.out.metadata, in.metadata);
  return free.line;
}

TEST(ReactivateModelFree, APyTorchCnnWithItsModuleOrderStepsAsTheZooModel) {
  for (const char* preset : {"paper", "reference"}) {
    const nlohmann::json line =
        expect_zoo_result(std::string("--we-preset ") + preset + " --milestones 5", "--module-order " + kModules);
    EXPECT_EQ(line["module_order"], kModules) << preset;
    EXPECT_FALSE(line.contains("model"));
  }
}

TEST(ReactivateModelFree, TheModuleOrderDecidesWhereTheFallbackLands) {
  // Every conv layer has candidates and none a filter within lambda = 0, so the fallback counter
  // (period 3 conv layers / 2) forces a pair in the second conv layer it walks: stages.1.conv in
  // named_modules() order, as in the zoo's cnn (conv2); stages.3.conv in the natural order of the
  // names (stages.1, stages.3, stem).
  const std::string options = "--we-preset reference --milestones 5 --we-set rate_conv=1 --we-set ri_threshold=0";
  const nlohmann::json line = expect_zoo_result(options, "--module-order " + kModules);
  EXPECT_EQ(line["report"]["pools"]["conv"]["fallback_forced"], 1) << line.dump();
  const Step natural = step(options, kFixture, "natural_fallback.safetensors");
  const Step ordered = step(options + " --module-order " + kModules, kFixture, "ordered_fallback.safetensors");
  ASSERT_FALSE(natural.line.is_null() || ordered.line.is_null());
  const SafetensorsFile in = load_safetensors(kFixture);
  for (const char* conv : {"stages.1.conv.weight", "stages.3.conv.weight"}) {
    const bool natural_changed = !same_bytes(natural.out.tensors.at(conv), in.tensors.at(conv));
    const bool ordered_changed = !same_bytes(ordered.out.tensors.at(conv), in.tensors.at(conv));
    EXPECT_EQ(ordered_changed, std::string(conv) == "stages.1.conv.weight") << conv;
    EXPECT_EQ(natural_changed, std::string(conv) == "stages.3.conv.weight") << conv;
  }
}

TEST(ReactivateModelFree, WithoutAnOrderFileTheNaturalOrderIsUsedAndSaid) {
  const testing::RunResult r = run("reactivate --epoch 3 --in " + kFixture + " --out " +
                                   (work_dir() / "natural.safetensors").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("in the natural order of the names (give --module-order"), std::string::npos) << r.output;
  EXPECT_EQ(step_line(r.output)["module_order"], "natural");
  // The paper preset has no fallback counters, so the layers' order does not change its result
  // (head and stages come before stem in the natural order).
  expect_zoo_result("--we-preset paper", "");
}

TEST(ReactivateModelFree, GroupsAreAskedForWhereTheMethodReadsThem) {
  const std::string out = (work_dir() / "groups.safetensors").string();
  const std::string base = "reactivate --epoch 3 --we-set group_aware_ri=true --in " + kFixture + " --out " + out;
  testing::RunResult r = run(base + " --module-order " + kModules);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("--we-set group_aware_ri=true reads conv groups"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the groups of stem.conv.weight are unknown"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--groups stem.conv=G"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  // Given for every conv (by module or by weight name), the step equals the zoo model's.
  expect_zoo_result("--we-preset reference --we-set group_aware_ri=true",
                    "--module-order " + kModules +
                        " --groups stem.conv=1 --groups stages.1.conv.weight=1 --groups stages.3.conv=1");

  for (const auto& [args, expect] : std::vector<std::pair<std::string, std::string>>{
           {"--groups stem.conv=3", "groups 3 of conv 'stem.conv' must be >= 1 and divide its 32 output channels"},
           {"--groups stem.conv=0", "--groups stem.conv=0: must be an integer in [1, 1048576]"},
           {"--groups head=1", "groups are given for 'head', which is no conv"},
           {"--groups stem.conv", "--groups stem.conv: expected NAME=G"},
           {"--groups stem.conv=1 --groups stem.conv.weight=2", "--groups stem.conv is given twice"},
       }) {
    r = run("reactivate --epoch 3 --in " + kFixture + " --out " + out + " " + args);
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_NE(r.output.find(expect), std::string::npos) << args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST(ReactivateModelFree, AMethodThatDoesNotSayWhichGroupsItReadsIsGivenThemAll) {
  // Kernel Reactivation tells a depthwise conv by its groups, and its registration does not say
  // which convs' groups it reads: without --groups it is refused; with them, it steps as the zoo's.
  const std::string kr = "--method kr --epoch 9 --epochs 20";
  const std::string out = (work_dir() / "kr.safetensors").string();
  const testing::RunResult r =
      run("reactivate " + kr + " --module-order " + kModules + " --in " + kFixture + " --out " + out);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("--method kr (it does not say which it reads) reads conv groups"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("the groups of stem.conv.weight are unknown"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  expect_zoo_result(kr, "--module-order " + kModules +
                            " --groups stem.conv=1 --groups stages.1.conv=1 --groups stages.3.conv=1");
}

TEST(ReactivateModelFree, MistakesAreNamed) {
  const std::string out = (work_dir() / "mistake.safetensors").string();
  const std::string io = " --epoch 3 --in " + kFixture + " --out " + out;
  const fs::path short_order = work_dir() / "short.txt";
  {
    std::ofstream os(short_order);
    os << "\nstem\nstem.conv\nstem.norm\nhead\n";
  }
  for (const auto& [args, expect] : std::vector<std::pair<std::string, std::string>>{
           {"--model cnn --module-order " + kModules, "--module-order and --groups describe a model known only"},
           {"--module-order " + short_order.string(), "module 'stages.1.conv' (of stages.1.conv.weight) is not in"},
           {"--module-order /nonexistent/order.txt", "cannot open module order file /nonexistent/order.txt"},
           // The zoo model is checked against the file as before.
           {"--model resnet20", "does not match the model"},
       }) {
    const testing::RunResult r = run("reactivate" + io + " " + args);
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_NE(r.output.find(expect), std::string::npos) << args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace revive
