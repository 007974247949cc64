// RuntimeOptions read from the environment: a switch counts when its variable is exactly "1", and
// describe() names every switch with its value (what `revive info` prints).
#include "core/runtime_options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace revive {
namespace {

const char* const kSwitches[] = {"REVIVE_PLAIN_LAYOUT", "REVIVE_NO_WINOGRAD", "REVIVE_SYNC_AFTER_LAUNCH",
                                 "REVIVE_REQUIRE_CUDA"};

std::string described(const RuntimeOptions& o, const std::string& name) {
  for (const auto& [key, value] : o.describe())
    if (key == name) return value;
  return "missing";
}

TEST(RuntimeOptions, EachSwitchIsReadFromItsVariable) {
  for (const char* name : kSwitches) unsetenv(name);
  const RuntimeOptions none = RuntimeOptions::from_environment();
  for (const char* name : kSwitches) EXPECT_EQ(described(none, name), "0") << name;
  for (const char* on : kSwitches) {
    setenv(on, "1", 1);
    const RuntimeOptions o = RuntimeOptions::from_environment();
    for (const char* name : kSwitches) EXPECT_EQ(described(o, name), name == on ? "1" : "0") << on << " set; " << name;
    setenv(on, "yes", 1);  // only "1" counts
    EXPECT_EQ(described(RuntimeOptions::from_environment(), on), "0") << on;
    unsetenv(on);
  }
  setenv("REVIVE_REQUIRE_CUDA", "1", 1);
  EXPECT_TRUE(RuntimeOptions::from_environment().require_cuda);
  unsetenv("REVIVE_REQUIRE_CUDA");
}

}  // namespace
}  // namespace revive
