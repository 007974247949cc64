// The method registry: what a build offers, how options resolve (presets filled in, idempotent),
// and that an unknown name or option is a clear error.
#include "reactivation/registry.h"

#include <gtest/gtest.h>

#include "support/error_message.h"

namespace revive {
namespace {

TEST(MethodRegistry, OffersTheBaselineFirstAndEveryMethodOnce) {
  const auto& all = reactivation_methods();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all.front().name, "none");
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_FALSE(all[i].summary.empty()) << all[i].name;
    EXPECT_TRUE(all[i].resolve && all[i].make) << all[i].name;
    EXPECT_GE(all[i].max_networks, all[i].min_networks) << all[i].name;
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i].name, all[j].name);
    for (const OptionDecl& d : all[i].options) {
      EXPECT_EQ(d.key.rfind(all[i].name + "_", 0), 0u) << d.key << " lacks its method's prefix";
      EXPECT_EQ(d.flag.rfind("--" + all[i].name + "-", 0), 0u) << d.flag << " lacks its method's prefix";
    }
  }
  EXPECT_EQ(&find_method("we"), &all[1]);
  EXPECT_ERROR(find_method("magic"), "unknown reactivation method 'magic': this build offers none, we, kr");
}

TEST(MethodRegistry, ResolvingFillsEveryOptionAndIsIdempotent) {
  for (const MethodSpec& m : reactivation_methods()) {
    const nlohmann::json once = resolve_method_options(m, nlohmann::json::object(), "test");
    EXPECT_EQ(once.size(), m.options.size()) << m.name;
    EXPECT_EQ(resolve_method_options(m, once, "test"), once) << m.name;
    EXPECT_EQ(m.make(once)->name(), m.name);
  }
  const MethodSpec& we = find_method("we");
  EXPECT_ERROR(resolve_method_options(we, {{"fg_models", 2}}, "cmd"), "cmd: 'fg_models' is not an option of --method we");
  EXPECT_ERROR(resolve_method_options(we, {{"we_ablations", {"we-g", "we-g"}}}, "cmd"), "given twice");
}

}  // namespace
}  // namespace revive
