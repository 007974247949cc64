#include "tools/study/study_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "reactivation/filter_census.h"
#include "tools/run_folder.h"

namespace revive::cli {
namespace {

namespace fs = std::filesystem;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "91.20 ± 0.15" in percent, "91.20" for one seed, "–" for none.
std::string percent_mean_std(const MeanStd& m) {
  if (m.n == 0) return "–";
  return fmt("%.2f", 100 * m.mean) + (m.n > 1 ? " ± " + fmt("%.2f", 100 * m.std) : "");
}

std::string paired_text(const PairedDiff& d) {
  if (d.diff.n == 0) return "–";
  return fmt("%+.2f", 100 * d.diff.mean) + (d.diff.n > 1 ? " ± " + fmt("%.2f", 100 * d.diff.std) : "") + " (" +
         std::to_string(d.improved) + "/" + std::to_string(d.diff.n) + " better)";
}

std::string csv_number(bool present, double v) { return present ? fmt("%.9g", v) : ""; }

}  // namespace

StudyRunRecord read_study_run(const std::string& study_dir, const StudySpec& spec, const StudyRun& run) {
  StudyRunRecord r;
  r.variant = spec.variants.at(run.variant).name;
  r.seed = run.seed;
  r.epochs_planned = study_run_config(spec, run).epochs;
  const std::string dir = study_dir + "/" + run.dir;
  const std::string path = dir + "/metrics.jsonl";
  double seconds = 0, reactivation = 0;
  const nlohmann::json* last = nullptr;
  const std::vector<nlohmann::json> lines = read_metrics(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json& l = lines[i];
    if (l.value("interrupted", false)) continue;
    const std::string where = path + " line " + std::to_string(i + 1);
    const double acc = json_double(l, "test_acc", where);
    r.best_acc = r.epochs_logged == 0 ? acc : std::max(r.best_acc, acc);
    r.final_acc = acc;
    seconds += json_double(l, "epoch_seconds", where);
    reactivation += l.contains("reactivation_ms") ? json_double(l, "reactivation_ms", where) : 0.0;
    ++r.epochs_logged;
    last = &l;
  }
  if (r.epochs_logged > 0) {
    r.epoch_seconds = seconds / r.epochs_logged;
    r.reactivation_ms = reactivation / r.epochs_logged;
  }
  if (last != nullptr && last->contains("filters")) {
    const nlohmann::json& below = json_field((*last)["filters"], "fraction_below", path + " filters");
    for (size_t i = 0; i < kFilterCensusThresholds.size(); ++i) {
      r.dead_fraction[i] = json_double(below, kFilterCensusThresholdNames[i], path + " filters.fraction_below");
    }
    r.has_census = true;
  }
  r.finished = fs::exists(dir + "/summary.json") && r.epochs_logged == r.epochs_planned;
  return r;
}

MeanStd mean_std(const std::vector<double>& x) {
  MeanStd m;
  m.n = static_cast<int>(x.size());
  if (m.n == 0) return m;
  for (double v : x) m.mean += v;
  m.mean /= m.n;
  if (m.n < 2) return m;
  double ss = 0;
  for (double v : x) ss += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(ss / (m.n - 1));
  return m;
}

std::vector<VariantSummary> summarize_study(const StudySpec& spec, const std::vector<StudyRunRecord>& records) {
  const auto baseline_of = [&](const StudyRunRecord& r) -> const StudyRunRecord* {
    for (const StudyRunRecord& b : records) {
      if (b.variant == spec.baseline && b.seed == r.seed && b.finished) return &b;
    }
    return nullptr;
  };
  std::vector<VariantSummary> out;
  for (const StudyVariant& v : spec.variants) {
    VariantSummary s;
    s.name = v.name;
    s.method = v.options.value("method", "none");
    std::vector<double> final_acc, best_acc, final_diff, best_diff;
    std::array<std::vector<double>, 5> dead;
    double seconds = 0, reactivation = 0;
    int epochs = 0;
    for (const StudyRunRecord& r : records) {
      if (r.variant != v.name) continue;
      ++s.seeds_planned;
      seconds += r.epoch_seconds * r.epochs_logged;
      reactivation += r.reactivation_ms * r.epochs_logged;
      epochs += r.epochs_logged;
      if (!r.finished) continue;
      final_acc.push_back(r.final_acc);
      best_acc.push_back(r.best_acc);
      for (size_t i = 0; i < dead.size() && r.has_census; ++i) dead[i].push_back(r.dead_fraction[i]);
      const StudyRunRecord* b = baseline_of(r);
      if (b == nullptr || v.name == spec.baseline) continue;
      final_diff.push_back(r.final_acc - b->final_acc);
      best_diff.push_back(r.best_acc - b->best_acc);
      s.final_diff.improved += r.final_acc > b->final_acc;
      s.best_diff.improved += r.best_acc > b->best_acc;
    }
    s.final_acc = mean_std(final_acc);
    s.best_acc = mean_std(best_acc);
    s.final_diff.diff = mean_std(final_diff);
    s.best_diff.diff = mean_std(best_diff);
    for (size_t i = 0; i < dead.size(); ++i) s.dead_fraction[i] = mean_std(dead[i]);
    if (epochs > 0) {
      s.has_times = true;
      s.epoch_seconds = seconds / epochs;
      s.reactivation_ms = reactivation / epochs;
      s.reactivation_share = s.epoch_seconds > 0 ? s.reactivation_ms / 1e3 / s.epoch_seconds : 0.0;
    }
    out.push_back(s);
  }
  const VariantSummary* base = nullptr;
  for (const VariantSummary& s : out) base = s.name == spec.baseline ? &s : base;
  for (VariantSummary& s : out) {
    if (base == nullptr || &s == base || !s.has_times || !base->has_times || base->epoch_seconds <= 0) continue;
    s.has_overhead = true;
    s.overhead = s.epoch_seconds / base->epoch_seconds - 1;
  }
  return out;
}

std::string study_report_markdown(const StudySpec& spec, const std::vector<VariantSummary>& summaries,
                                  const std::vector<StudyRunRecord>& records) {
  const std::vector<StudyRun> runs = study_runs(spec);
  const RunConfig c = study_run_config(spec, runs.front());
  int finished = 0;
  for (const StudyRunRecord& r : records) finished += r.finished;
  std::string seeds;
  for (uint64_t s : spec.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  std::ostringstream md;
  md << "# Study report\n\n"
     << c.model << " on " << c.dataset
     << (c.limit_train > 0 ? " (first " + std::to_string(c.limit_train) + " training images)" : "")
     << ", " << c.epochs << " epochs, seeds " << seeds << "; baseline: `" << spec.baseline << "`. Runs finished: "
     << finished << "/" << records.size() << ".\n\n"
     << "## Test accuracy (%)\n\n"
     << "Mean ± standard deviation over the finished seeds; Δ is the paired difference to `" << spec.baseline
     << "` on the same seed, in points, with the seeds where the variant did better.\n\n"
     << "| variant | seeds | final | Δ final | best | Δ best |\n|---|---|---|---|---|---|\n";
  for (const VariantSummary& s : summaries) {
    md << "| " << s.name << " | " << s.final_acc.n << "/" << s.seeds_planned << " | " << percent_mean_std(s.final_acc)
       << " | " << paired_text(s.final_diff) << " | " << percent_mean_std(s.best_acc) << " | "
       << paired_text(s.best_diff) << " |\n";
  }
  md << "\n## Cost per epoch\n\n"
     << "Means over every logged epoch. Reactivation: the method's step after each evaluation; its share is of "
        "the whole epoch. Overhead: the epoch's time against `"
     << spec.baseline << "`'s, measured in this study.\n\n"
     << "| variant | epoch (s) | reactivation (ms) | share of epoch | overhead |\n|---|---|---|---|---|\n";
  for (const VariantSummary& s : summaries) {
    md << "| " << s.name << " | " << (s.has_times ? fmt("%.2f", s.epoch_seconds) : "–") << " | "
       << (s.has_times ? fmt("%.3f", s.reactivation_ms) : "–") << " | "
       << (s.has_times ? fmt("%.4f%%", 100 * s.reactivation_share) : "–") << " | "
       << (s.has_overhead ? fmt("%+.1f%%", 100 * s.overhead) : "–") << " |\n";
  }
  md << "\n## Dead conv filters at the end\n\n"
     << "Fraction (%) of conv filters whose average L1 norm (||W||_1 / input channels per group) lies below each "
        "threshold after the last epoch, mean over the finished seeds.\n\n| variant |";
  for (const char* t : kFilterCensusThresholdNames) md << " < " << t << " |";
  md << "\n|---|";
  for (size_t i = 0; i < kFilterCensusThresholds.size(); ++i) md << "---|";
  md << "\n";
  for (const VariantSummary& s : summaries) {
    md << "| " << s.name << " |";
    for (const MeanStd& d : s.dead_fraction) md << " " << (d.n ? fmt("%.1f", 100 * d.mean) : "–") << " |";
    md << "\n";
  }
  std::string unfinished;
  for (size_t i = 0; i < records.size(); ++i) {
    const StudyRunRecord& r = records[i];
    if (r.finished) continue;
    unfinished += "- " + runs[i].dir + ": " + std::to_string(r.epochs_logged) + "/" + std::to_string(r.epochs_planned) +
                  " epochs logged\n";
  }
  if (!unfinished.empty()) md << "\n## Runs not finished\n\n" << unfinished;
  return md.str();
}

std::string study_report_csv(const std::vector<VariantSummary>& summaries) {
  std::ostringstream csv;
  csv << "variant,method,seeds_finished,seeds_planned,final_acc_mean,final_acc_std,best_acc_mean,best_acc_std,"
         "final_diff_mean,final_diff_std,final_diff_seeds,final_improved,best_diff_mean,best_diff_std,"
         "best_diff_seeds,best_improved,epoch_seconds,reactivation_ms,reactivation_share,overhead";
  for (const char* t : kFilterCensusThresholdNames) csv << ",dead_below_" << t;
  csv << "\n";
  for (const VariantSummary& s : summaries) {
    const bool acc = s.final_acc.n > 0, diff = s.final_diff.diff.n > 0;
    csv << s.name << "," << s.method << "," << s.final_acc.n << "," << s.seeds_planned << ","
        << csv_number(acc, s.final_acc.mean) << "," << csv_number(acc, s.final_acc.std) << ","
        << csv_number(acc, s.best_acc.mean) << "," << csv_number(acc, s.best_acc.std) << ","
        << csv_number(diff, s.final_diff.diff.mean) << "," << csv_number(diff, s.final_diff.diff.std) << ","
        << s.final_diff.diff.n << "," << s.final_diff.improved << "," << csv_number(diff, s.best_diff.diff.mean) << ","
        << csv_number(diff, s.best_diff.diff.std) << "," << s.best_diff.diff.n << "," << s.best_diff.improved << ","
        << csv_number(s.has_times, s.epoch_seconds) << "," << csv_number(s.has_times, s.reactivation_ms) << ","
        << csv_number(s.has_times, s.reactivation_share) << "," << csv_number(s.has_overhead, s.overhead);
    for (const MeanStd& d : s.dead_fraction) csv << "," << csv_number(d.n > 0, d.mean);
    csv << "\n";
  }
  return csv.str();
}

std::string study_runs_csv(const std::vector<StudyRunRecord>& records) {
  std::ostringstream csv;
  csv << "variant,seed,status,epochs_logged,epochs_planned,final_acc,best_acc,epoch_seconds,reactivation_ms";
  for (const char* t : kFilterCensusThresholdNames) csv << ",dead_below_" << t;
  csv << "\n";
  for (const StudyRunRecord& r : records) {
    const bool logged = r.epochs_logged > 0;
    csv << r.variant << "," << r.seed << "," << (r.finished ? "finished" : logged ? "partial" : "not started") << ","
        << r.epochs_logged << "," << r.epochs_planned << "," << csv_number(logged, r.final_acc) << ","
        << csv_number(logged, r.best_acc) << "," << csv_number(logged, r.epoch_seconds) << ","
        << csv_number(logged, r.reactivation_ms);
    for (double d : r.dead_fraction) csv << "," << csv_number(r.has_census, d);
    csv << "\n";
  }
  return csv.str();
}

StudySpec read_study_spec(const std::string& dir) {
  return study_spec_from_json(read_folder_json(dir, "study.json", "study"), dir + "/study.json");
}

std::string write_study_report(const std::string& dir) {
  const StudySpec spec = read_study_spec(dir);
  std::vector<StudyRunRecord> records;
  for (const StudyRun& run : study_runs(spec)) records.push_back(read_study_run(dir, spec, run));
  const std::vector<VariantSummary> summaries = summarize_study(spec, records);
  std::string md = study_report_markdown(spec, summaries, records);
  std::string pictures;
  for (const char* png : {"accuracy", "we_rate", "dead_filters", "layer_l1_hist", "overhead"}) {
    const std::string file = std::string("plots/") + png + ".png";
    if (fs::exists(dir + "/" + file)) pictures += "![" + std::string(png) + "](" + file + ")\n\n";
  }
  if (!pictures.empty()) md += "\n## Pictures\n\n" + pictures;
  const auto write = [&](const std::string& name, const std::string& text) {
    write_file_atomically(dir + "/" + name, [&](std::ostream& os) { os << text; });
  };
  write("report.md", md);
  write("report.csv", study_report_csv(summaries));
  write("runs.csv", study_runs_csv(records));
  return md;
}

}  // namespace revive::cli
