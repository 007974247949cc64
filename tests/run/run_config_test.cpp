// The run's options: one table gives the command line, config.json and their checks. Every option
// has a bad value that is refused in the user's terms; config.json round-trips; options of another
// method, unknown options and network counts a method cannot train are clear errors.
#include "run/run_config.h"

#include <gtest/gtest.h>

#include "reactivation/registry.h"
#include "support/bad_option_text.h"
#include "support/error_message.h"

namespace revive {
namespace {

TEST(RunConfig, EveryOptionRefusesABadValueNamingItself) {
  int checked = 0;
  std::vector<OptionDecl> all = run_options().decl_list();
  for (const MethodSpec& m : reactivation_methods()) all.insert(all.end(), m.options.begin(), m.options.end());
  for (const OptionDecl& d : all) {
    const std::string bad = testing::bad_option_text(d);
    if (bad.empty()) continue;  // free text: any text is a value (paths, the device, key=value)
    const std::string message = testing::error_message([&] { parse_option_text(d, bad, d.flag); });
    EXPECT_NE(message.find(d.flag), std::string::npos) << d.key << " accepted " << bad << ": " << message;
    EXPECT_NE(message.find("must be"), std::string::npos) << d.key << ": " << message;
    ++checked;
  }
  EXPECT_GT(checked, 25);
}

TEST(RunConfig, UserMistakesSeenBeforeThereWereChecks) {
  // Each of these was once accepted silently or answered in the parser's words.
  EXPECT_ERROR(parse_option_text(run_options().decl("limit_train"), "-5", "--limit-train"),
               "--limit-train -5: must be an integer >= 0");
  EXPECT_ERROR(parse_option_text(run_options().decl("threads"), "-1", "--threads"),
               "--threads -1: must be an integer in [0, 4096]");
  EXPECT_ERROR(parse_option_text(run_options().decl("batch"), "0", "--batch"),
               "--batch 0: must be an integer in [1, 1048576]");
}

TEST(RunConfig, ConfigJsonRoundTripsWithTheMethodsOptions) {
  RunConfig c = run_config_from_json({{"model", "resnet20"}, {"method", "we"}, {"we_preset", "reference"},
                                      {"we_ablations", {"we-rm"}}, {"schedule", "multistep"},
                                      {"milestones", {2, 4}}, {"epochs", 6}},
                                     "cmd", OptionSource::kUser);
  EXPECT_EQ(c.method_options["we_preset"], "reference");
  EXPECT_EQ(c.method_options["we_set"], nlohmann::json::array());  // resolved: every option present
  const nlohmann::json j = run_config_to_json(c);
  const RunConfig back = run_config_from_json(j, "config.json");
  EXPECT_EQ(run_config_to_json(back), j);
  nlohmann::json missing = j;
  missing.erase("we_set");
  EXPECT_ERROR(run_config_from_json(missing, "config.json"), "the option 'we_set' of --method we is missing");
  missing = j;
  missing.erase("lr");
  EXPECT_ERROR(run_config_from_json(missing, "config.json"), "config.json: the option 'lr' is missing");
}

TEST(RunConfig, OptionsOfAnotherMethodOrUnknownAreErrors) {
  EXPECT_ERROR(run_config_from_json({{"we_preset", "reference"}}, "command line", OptionSource::kUser),
               "command line: --we-preset is an option of --method we, and this run's method is none");
  EXPECT_ERROR(run_config_from_json({{"speed", 1}}, "study.json", OptionSource::kUser),
               "study.json: unknown option 'speed'");
  EXPECT_ERROR(run_config_from_json({{"method", "we"}, {"we_preset", "best"}}, "cmd", OptionSource::kUser),
               "--we-preset: must be one of paper, reference");
  EXPECT_ERROR(run_config_from_json({{"method", "we"}, {"we_set", {"no_such_key=1"}}}, "cmd", OptionSource::kUser),
               "no_such_key");
}

TEST(RunConfig, CrossOptionChecks) {
  EXPECT_ERROR(run_config_from_json({{"method", "we"}, {"models", 2}}, "cmd", OptionSource::kUser),
               "--models 2: --method we trains 1 network");
  EXPECT_ERROR(run_config_from_json({{"schedule", "cosine"}, {"milestones", {3}}}, "cmd", OptionSource::kUser),
               "cosine schedule does not use milestones");
  const RunConfig c = run_config_from_json({{"models", 3}}, "cmd", OptionSource::kUser);
  EXPECT_EQ(c.models, 3);  // the baseline trains any number of independent networks
  // Checks that tie the network count to a method's options come before anything trains.
  EXPECT_ERROR(run_config_from_json({{"method", "fg"}}, "cmd", OptionSource::kUser),
               "the FG variant 'external' grafts each network from another: it needs --models 2 or more, got 1");
  EXPECT_EQ(run_config_from_json({{"method", "fg"}, {"fg_variant", "noise"}}, "cmd", OptionSource::kUser).models, 1);
  EXPECT_EQ(run_config_from_json({{"method", "fg"}, {"models", 2}}, "cmd", OptionSource::kUser).models, 2);
}

}  // namespace
}  // namespace revive
