// tools/plot_study.py draws its pictures from the fixture study (tests/fixtures/study). Skipped when
// Debian's /usr/bin/python3 has no matplotlib (apt-get install python3-matplotlib).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/scratch_path.h"

namespace {

namespace fs = std::filesystem;

TEST(PlotStudy, WritesNonEmptyPngsFromTheFixture) {
  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no matplotlib (apt-get install python3-matplotlib): pictures not tested";
  }
  const fs::path out = revive::testing::scratch_path("plot_study");
  fs::remove_all(out);
  const std::string cmd = std::string("/usr/bin/python3 ") + REVIVE_SOURCE_DIR + "/tools/plot_study.py " +
                          REVIVE_SOURCE_DIR + "/tests/fixtures/study --out " + out.string() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const char* name : {"accuracy.png", "we_rate.png", "dead_filters.png", "layer_l1_hist.png", "overhead.png"}) {
    const fs::path png = out / name;
    ASSERT_TRUE(fs::exists(png)) << name;
    EXPECT_GT(fs::file_size(png), 10000u) << name;
    std::ifstream is(png, std::ios::binary);
    char magic[8] = {};
    is.read(magic, 8);
    EXPECT_EQ(std::string(magic + 1, 3), "PNG") << name;
  }
  fs::remove_all(out);
}

}  // namespace
