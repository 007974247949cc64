// The study report's statistics against values computed by hand from the fixture study in
// tests/fixtures/study/ (cnn on synthetic, 3 epochs, seeds 0-2, baseline none; we/seed2 stopped
// after 2 epochs). Test accuracy per epoch:
//   none  seed0 .50 .70 .60   seed1 .55 .65 .70   seed2 .40 .80 .75
//   we    seed0 .52 .72 .68   seed1 .50 .60 .66   seed2 .60 .61 (unfinished)
// epoch_seconds: none 2.0; we 2.2 (seed 2: 2.4). reactivation_ms: none 0.1, we 5.0.
// Dead fraction below 1e-3 after the last epoch: none .1 .2 .3; we 0 .05 (seed 2 not counted).
#include "tools/study/study_report.h"
#include "support/scratch_path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace revive::cli {
namespace {

namespace fs = std::filesystem;

const std::string kFixture = REVIVE_SOURCE_DIR "/tests/fixtures/study";

std::vector<StudyRunRecord> fixture_records(const StudySpec& spec) {
  std::vector<StudyRunRecord> records;
  for (const StudyRun& run : study_runs(spec)) records.push_back(read_study_run(kFixture, spec, run));
  return records;
}

TEST(StudyReport, MeanAndSampleStd) {
  const MeanStd m = mean_std({0.60, 0.70, 0.75});
  EXPECT_EQ(m.n, 3);
  EXPECT_NEAR(m.mean, 0.683333333, 1e-9);
  EXPECT_NEAR(m.std, std::sqrt(0.0116666667 / 2), 1e-9);
  EXPECT_EQ(mean_std({0.5}).std, 0.0);
  EXPECT_EQ(mean_std({}).n, 0);
}

TEST(StudyReport, RunRecordsFromTheirFolders) {
  const StudySpec spec = read_study_spec(kFixture);
  const std::vector<StudyRunRecord> r = fixture_records(spec);
  ASSERT_EQ(r.size(), 6u);  // seed-major: none/0, we/0, none/1, we/1, none/2, we/2
  EXPECT_EQ(r[0].variant, "none");
  EXPECT_TRUE(r[0].finished);
  EXPECT_DOUBLE_EQ(r[0].final_acc, 0.60);
  EXPECT_DOUBLE_EQ(r[0].best_acc, 0.70);
  EXPECT_EQ(r[5].variant, "we");
  EXPECT_EQ(r[5].seed, 2u);
  EXPECT_FALSE(r[5].finished);
  EXPECT_EQ(r[5].epochs_logged, 2);
  EXPECT_EQ(r[5].epochs_planned, 3);
  EXPECT_DOUBLE_EQ(r[1].reactivation_ms, 5.0);
  EXPECT_TRUE(r[1].has_census);
  EXPECT_DOUBLE_EQ(r[1].dead_fraction[3], 0.4);
}

TEST(StudyReport, SummaryAgainstHandComputedValues) {
  const StudySpec spec = read_study_spec(kFixture);
  const std::vector<VariantSummary> s = summarize_study(spec, fixture_records(spec));
  ASSERT_EQ(s.size(), 2u);
  const VariantSummary& none = s[0];
  const VariantSummary& we = s[1];
  EXPECT_EQ(none.final_acc.n, 3);
  EXPECT_NEAR(none.final_acc.mean, 0.683333333, 1e-9);
  EXPECT_NEAR(none.final_acc.std, 0.0763762616, 1e-9);
  EXPECT_NEAR(none.best_acc.mean, (0.70 + 0.70 + 0.80) / 3, 1e-9);
  EXPECT_EQ(none.final_diff.diff.n, 0);  // the baseline against itself: nothing
  EXPECT_FALSE(none.has_overhead);

  EXPECT_EQ(we.seeds_planned, 3);
  EXPECT_EQ(we.final_acc.n, 2);  // seed 2 did not finish
  EXPECT_NEAR(we.final_acc.mean, 0.67, 1e-9);
  EXPECT_NEAR(we.final_acc.std, 0.0141421356, 1e-9);
  // Paired on seeds 0 and 1: final +.08 and -.04; best +.02 and -.04.
  EXPECT_EQ(we.final_diff.diff.n, 2);
  EXPECT_NEAR(we.final_diff.diff.mean, 0.02, 1e-9);
  EXPECT_NEAR(we.final_diff.diff.std, 0.0848528137, 1e-9);
  EXPECT_EQ(we.final_diff.improved, 1);
  EXPECT_NEAR(we.best_diff.diff.mean, -0.01, 1e-9);
  EXPECT_NEAR(we.best_diff.diff.std, 0.0424264069, 1e-9);
  EXPECT_EQ(we.best_diff.improved, 1);
  // Times over every logged epoch: (6 x 2.2 + 2 x 2.4) / 8 = 2.25 s against 2.0.
  EXPECT_NEAR(none.epoch_seconds, 2.0, 1e-12);
  EXPECT_NEAR(we.epoch_seconds, 2.25, 1e-12);
  EXPECT_NEAR(we.reactivation_ms, 5.0, 1e-12);
  EXPECT_NEAR(we.reactivation_share, 5.0 / 1000 / 2.25, 1e-12);
  EXPECT_TRUE(we.has_overhead);
  EXPECT_NEAR(we.overhead, 0.125, 1e-12);
  // Dead filters below 1e-3: none (.1 + .2 + .3) / 3, we (0 + .05) / 2.
  EXPECT_NEAR(none.dead_fraction[1].mean, 0.2, 1e-12);
  EXPECT_EQ(we.dead_fraction[1].n, 2);
  EXPECT_NEAR(we.dead_fraction[1].mean, 0.025, 1e-12);
}

TEST(StudyReport, TablesCarryTheFigures) {
  const StudySpec spec = read_study_spec(kFixture);
  const std::vector<StudyRunRecord> records = fixture_records(spec);
  const std::vector<VariantSummary> s = summarize_study(spec, records);
  const std::string md = study_report_markdown(spec, s, records);
  EXPECT_NE(md.find("| none | 3/3 | 68.33 ± 7.64 | – | 73.33 ± 5.77 | – |"), std::string::npos) << md;
  EXPECT_NE(md.find("| we | 2/3 | 67.00 ± 1.41 | +2.00 ± 8.49 (1/2 better) | 69.00 ± 4.24 | "
                    "-1.00 ± 4.24 (1/2 better) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| we | 2.25 | 5.000 | 0.2222% | +12.5% |"), std::string::npos) << md;
  EXPECT_NE(md.find("we/seed2: 2/3 epochs logged"), std::string::npos) << md;
  const std::string csv = study_report_csv(s);
  std::istringstream lines(csv);
  std::string header, row_none, row_we;
  std::getline(lines, header);
  std::getline(lines, row_none);
  std::getline(lines, row_we);
  EXPECT_EQ(header.substr(0, 40), "variant,method,seeds_finished,seeds_plan");
  EXPECT_EQ(row_we.substr(0, 22), "we,we,2,3,0.67,0.01414");
  EXPECT_NE(row_we.find(",0.125,"), std::string::npos) << row_we;
  EXPECT_NE(study_runs_csv(records).find("we,2,partial,2,3,0.61,0.61,2.4,5"), std::string::npos);
}

TEST(StudyReport, WrittenFromTheFolderAlone) {
  const fs::path dir = testing::scratch_path("study_report");
  fs::remove_all(dir);
  fs::copy(kFixture, dir, fs::copy_options::recursive);
  const std::string md = write_study_report(dir.string());
  for (const char* f : {"report.md", "report.csv", "runs.csv"}) EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_NE(md.find("Runs finished: 5/6"), std::string::npos) << md;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace revive::cli
