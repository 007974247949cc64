// A study's report, made from the study folder alone (study.json and each run's metrics.jsonl and
// summary.json), so that shards written apart and copied together report as one study:
//   report.md   the summary tables (accuracy; cost; dead filters) and what each column means
//   report.csv  one row per variant, every figure of the tables in plain numbers
//   runs.csv    one row per planned run: its status and its own figures
// Accuracy counts finished runs only (a run's final accuracy exists once it ends); the paired
// difference to the baseline takes each seed where both finished. Times cover every epoch logged.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/study/study_spec.h"

namespace revive::cli {

// What one run folder holds.
struct StudyRunRecord {
  std::string variant;
  uint64_t seed = 0;
  bool finished = false;  // summary.json written
  int epochs_logged = 0;
  int epochs_planned = 0;
  double final_acc = 0, best_acc = 0;  // of the logged epochs; fractions in [0, 1]
  double epoch_seconds = 0;            // mean over the logged epochs
  double reactivation_ms = 0;          // mean over the logged epochs
  bool has_census = false;             // the last epoch has a `filters` census
  std::array<double, 5> dead_fraction{};  // at kFilterCensusThresholds, the last epoch
};

// Reads <study>/<run.dir>; a folder that does not exist yet gives a record with 0 epochs.
StudyRunRecord read_study_run(const std::string& study_dir, const StudySpec& spec, const StudyRun& run);

struct MeanStd {
  int n = 0;
  double mean = 0, std = 0;  // sample standard deviation (n - 1); 0 when n < 2
};
MeanStd mean_std(const std::vector<double>& x);

struct PairedDiff {
  MeanStd diff;      // variant - baseline, same seed
  int improved = 0;  // seeds where the variant did better
};

struct VariantSummary {
  std::string name;
  std::string method;
  int seeds_planned = 0;
  MeanStd final_acc, best_acc;  // over finished seeds
  PairedDiff final_diff, best_diff;
  bool has_times = false;
  double epoch_seconds = 0;     // mean per epoch
  double reactivation_ms = 0;   // mean per epoch
  double reactivation_share = 0;  // reactivation time / epoch time
  bool has_overhead = false;
  double overhead = 0;  // epoch time / the baseline's epoch time - 1
  std::array<MeanStd, 5> dead_fraction;  // finished runs with a census
};

// One summary per variant, in the spec's order; `records` in study_runs() order.
std::vector<VariantSummary> summarize_study(const StudySpec& spec, const std::vector<StudyRunRecord>& records);

std::string study_report_markdown(const StudySpec& spec, const std::vector<VariantSummary>& summaries,
                                  const std::vector<StudyRunRecord>& records);
std::string study_report_csv(const std::vector<VariantSummary>& summaries);
std::string study_runs_csv(const std::vector<StudyRunRecord>& records);

// study.json of `dir` (throws naming the folder when it has none).
StudySpec read_study_spec(const std::string& dir);

// Reads every run of the study in `dir` and writes report.md, report.csv and runs.csv there
// (atomically); returns the Markdown.
std::string write_study_report(const std::string& dir);

}  // namespace revive::cli
