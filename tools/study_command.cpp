// `revive study`: a baseline and methods trained on the same model, data, schedule and seeds, one
// run after another in this process, into one study folder (tools/study/study_spec.h):
//   study.json              what was asked
//   <variant>/seed<k>/      each run as `revive train` writes it
//   report.md, report.csv, runs.csv   (tools/study/study_report.h)
//   plots/*.png             (tools/plot_study.py, when matplotlib is present)
// Rerunning the command (or `revive study --out DIR` alone) resumes: finished runs are kept, an
// interrupted run continues from its checkpoint. Ctrl-C stops the current run with a checkpoint.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "optim/checkpoint.h"
#include "optim/progress.h"
#include "tools/commands.h"
#include "tools/option_cli.h"
#include "tools/signals.h"
#include "tools/study/study_file.h"
#include "tools/study/study_plots.h"
#include "tools/study/study_report.h"
#include "tools/study/study_spec.h"
#include "tools/train_run.h"

namespace revive::cli {
namespace {

namespace fs = std::filesystem;

struct StudyCommandLine {
  CliOptions options;  // `revive train`'s, without --method
  std::vector<std::string> variants;
  std::string file, out, baseline, shard, report;
  int seeds = 0;
  std::string seed_list;
  bool plan = false, no_plots = false, no_progress = false;
  int64_t stop_after_steps = -1;  // testing: act as if interrupted after N steps of this session
};

std::string default_out_dir(const StudySpec& spec) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  const RunConfig c = study_run_config(spec, study_runs(spec).front());
  return "studies/" + c.model + "-" + c.dataset + "-" + stamp;
}

std::vector<uint64_t> parse_seed_list(const std::string& text) {
  std::vector<uint64_t> seeds;
  OptionDecl d = run_options().decl("seed");
  d.type = OptionType::kIntList;
  for (const auto& v : parse_option_text(d, text, "--seed-list")) seeds.push_back(v.get<uint64_t>());
  return seeds;
}

// The spec the command line (and its study file) asks for; no variants: nothing asked.
StudySpec requested_spec(const StudyCommandLine& cl) {
  const nlohmann::json file = cl.file.empty() ? nlohmann::json::object() : read_study_file(cl.file);
  StudySpec spec;
  spec.options = file.value("options", nlohmann::json::object());
  nlohmann::json given = cl.options.given();
  uint64_t base = file.value("seed", uint64_t{0});
  if (given.contains("seed")) base = given["seed"].get<uint64_t>();
  given.erase("seed");
  for (const auto& [key, value] : given.items()) spec.options[key] = value;
  REVIVE_CHECK(!spec.options.contains("seed"), cl.file << ": the first seed is the top-level key seed, not an option");
  REVIVE_CHECK(cl.seeds == 0 || cl.seed_list.empty(), "give --seeds or --seed-list, not both");
  if (!cl.seed_list.empty()) {
    spec.seeds = parse_seed_list(cl.seed_list);
  } else if (cl.seeds == 0 && file.contains("seed_list")) {
    spec.seeds = file["seed_list"].get<std::vector<uint64_t>>();
  } else {
    const uint64_t n = cl.seeds > 0 ? static_cast<uint64_t>(cl.seeds) : file.value("seeds", uint64_t{2});
    for (uint64_t k = 0; k < n; ++k) spec.seeds.push_back(base + k);
  }
  for (const nlohmann::json& v : file.value("variants", nlohmann::json::array())) {
    spec.variants.push_back(v.is_string() ? parse_study_variant(v.get<std::string>())
                                          : parse_study_variant(v["args"].get<std::string>(), v.value("name", "")));
  }
  for (const std::string& v : cl.variants) spec.variants.push_back(parse_study_variant(v));
  spec.baseline = !cl.baseline.empty() ? cl.baseline : file.value("baseline", default_baseline(spec.variants));
  return spec;
}

// The study in `out`: the one asked for, which must be the one study.json holds when there is one;
// or, when nothing was asked, study.json's.
StudySpec settle_spec(const StudyCommandLine& cl, std::string& out) {
  StudySpec spec = requested_spec(cl);
  const bool asked = !spec.variants.empty();
  if (!asked) {
    REVIVE_CHECK(!cl.out.empty() && fs::exists(cl.out + "/study.json"),
                 "a study needs variants: --variant none --variant we ... (or --file; --out DIR alone resumes the "
                 "study in DIR)");
    REVIVE_CHECK(cl.options.given_flags().empty() && cl.seeds == 0 && cl.seed_list.empty() && cl.baseline.empty(),
                 "--out " << cl.out << " alone resumes the study in its study.json; drop the other options");
    out = cl.out;
    return read_study_spec(out);
  }
  validate_study_spec(spec);
  out = cl.out.empty() ? default_out_dir(spec) : cl.out;
  if (fs::exists(out + "/study.json")) {
    const StudySpec recorded = read_study_spec(out);
    REVIVE_CHECK(study_spec_to_json(recorded) == study_spec_to_json(spec),
                 out << " holds another study (its study.json differs from what this command asks): resume it "
                        "with `revive study --out "
                     << out << "` alone, or pick another --out");
  }
  return spec;
}

enum class RunState { kFresh, kPartial, kFinished };

// Where run `run` stands; throws when its folder was made with other options.
RunState run_state(const std::string& dir, const RunConfig& planned) {
  if (!fs::exists(dir + "/config.json")) return RunState::kFresh;
  RunConfig recorded = read_run_config(dir);
  if (planned.device.empty()) recorded.device.clear();
  REVIVE_CHECK(run_config_to_json(recorded) == run_config_to_json(planned),
               dir << " was started with other options than the study's (its config.json): remove the folder to "
                      "train it afresh");
  if (fs::exists(dir + "/summary.json")) return RunState::kFinished;
  return find_latest_checkpoint(dir + "/checkpoints").has_value() ? RunState::kPartial : RunState::kFresh;
}

// Seconds per epoch measured in this session, per variant and overall, for the study's ETA.
class StudyClock {
 public:
  void add(const std::string& variant, double seconds) {
    by_variant_[variant].first += seconds;
    ++by_variant_[variant].second;
    all_.first += seconds;
    ++all_.second;
  }
  // -1 while nothing was measured.
  double seconds_per_epoch(const std::string& variant) const {
    auto it = by_variant_.find(variant);
    if (it != by_variant_.end()) return it->second.first / it->second.second;
    return all_.second ? all_.first / all_.second : -1;
  }

 private:
  std::map<std::string, std::pair<double, int>> by_variant_;
  std::pair<double, int> all_{0.0, 0};
};

int run_study(const StudyCommandLine& cl) {
  if (!cl.report.empty()) {
    if (!cl.no_plots) plot_study(cl.report);
    std::printf("%s", write_study_report(cl.report).c_str());
    return 0;
  }
  std::string out;
  const StudySpec spec = settle_spec(cl, out);
  const std::vector<StudyRun> all = study_runs(spec);
  const std::vector<StudyRun> mine = cl.shard.empty() ? all : study_shard(all, cl.shard);
  std::vector<RunConfig> configs;
  std::vector<RunState> states;
  for (const StudyRun& r : mine) {
    configs.push_back(study_run_config(spec, r));
    states.push_back(run_state(out + "/" + r.dir, configs.back()));
  }
  if (cl.plan) {
    const char* names[] = {"to do", "partial", "finished"};
    for (size_t i = 0; i < mine.size(); ++i) {
      std::printf("%zu\t%s\t%llu\t%s\t%s\n", mine[i].index, spec.variants[mine[i].variant].name.c_str(),
                  static_cast<unsigned long long>(mine[i].seed), (out + "/" + mine[i].dir).c_str(),
                  names[static_cast<int>(states[i])]);
    }
    return 0;
  }
  ensure_writable_dir(out);
  write_file_atomically(out + "/study.json",
                        [&](std::ostream& os) { os << study_spec_to_json(spec).dump(2) << "\n"; });

  std::vector<int> remaining(mine.size());  // epochs left per run, for the ETA
  for (size_t i = 0; i < mine.size(); ++i) {
    remaining[i] = configs[i].epochs;
    if (states[i] == RunState::kFinished) remaining[i] = 0;
    if (states[i] == RunState::kPartial) remaining[i] -= read_study_run(out, spec, mine[i]).epochs_logged;
  }
  StudyClock clock;
  const auto eta = [&]() -> std::string {
    double seconds = 0;
    for (size_t i = 0; i < mine.size(); ++i) {
      const double per_epoch = clock.seconds_per_epoch(spec.variants[mine[i].variant].name);
      if (remaining[i] > 0 && per_epoch < 0) return "after the first epoch";
      seconds += remaining[i] * std::max(per_epoch, 0.0);
    }
    return format_duration(seconds);
  };
  const std::string shard =
      cl.shard.empty() ? "" : ", shard " + cl.shard + ": " + std::to_string(mine.size()) + " of them";
  std::fprintf(stderr, "revive: study %s: %zu runs (%zu variants x %zu seeds)%s\n", out.c_str(), all.size(),
               spec.variants.size(), spec.seeds.size(), shard.c_str());
  std::atomic<bool>& stop = install_stop_handlers();
  int64_t steps = 0;
  for (size_t i = 0; i < mine.size(); ++i) {
    const StudyRun& r = mine[i];
    const std::string& name = spec.variants[r.variant].name;
    char who[256];
    std::snprintf(who, sizeof who, "run %zu/%zu (%s, seed %llu)", i + 1, mine.size(), name.c_str(),
                  static_cast<unsigned long long>(r.seed));
    if (states[i] == RunState::kFinished) {
      std::fprintf(stderr, "study: %s: finished earlier, kept\n", who);
      continue;
    }
    std::fprintf(stderr, "study: %s: %s; study ETA %s\n", who,
                 states[i] == RunState::kPartial ? "resuming from its checkpoint" : "starting", eta().c_str());
    TrainRunOptions options;
    options.resume = states[i] == RunState::kPartial;
    options.progress = !cl.no_progress;
    options.stop = &stop;
    options.stop_after_steps = cl.stop_after_steps < 0 ? -1 : std::max<int64_t>(0, cl.stop_after_steps - steps);
    options.log_prefix = "study: ";
    auto mark = std::chrono::steady_clock::now();
    options.on_epoch = [&](const nlohmann::json& line) {
      const auto now = std::chrono::steady_clock::now();
      clock.add(name, std::chrono::duration<double>(now - mark).count());
      mark = now;
      const int epoch = line["epoch"].get<int>();
      remaining[i] = configs[i].epochs - epoch;
      std::fprintf(stderr, "study: %s: epoch %d/%d, test acc %.2f%%; study ETA %s\n", who, epoch, configs[i].epochs,
                   100 * line["test_acc"].get<double>(), eta().c_str());
    };
    const TrainRunResult result = train_run_folder(configs[i], out + "/" + r.dir, options);
    steps += result.steps;
    if (result.interrupted) {
      std::fprintf(stderr, "study: interrupted in %s (epoch %d, step %lld), checkpoint written. Resume the study "
                           "with:\n  revive study --out %s%s\n",
                   who, result.epoch + 1, static_cast<long long>(result.step), out.c_str(),
                   cl.shard.empty() ? "" : (" --shard " + cl.shard).c_str());
      return 130;
    }
    std::fprintf(stderr, "study: %s: done, final test accuracy %.2f%% (best %.2f%%)\n", who,
                 100 * result.summary.final_test_acc, 100 * result.summary.best_test_acc);
  }
  if (!cl.no_plots) plot_study(out);
  std::printf("%s", write_study_report(out).c_str());
  std::fprintf(stderr, "revive: study done: %s/report.md (and report.csv, runs.csv%s)\n", out.c_str(),
               fs::exists(out + "/plots") ? ", plots/" : "");
  return 0;
}

}  // namespace

Runner add_study_command(CLI::App& app) {
  auto cl = std::make_shared<StudyCommandLine>();
  std::vector<OptionDecl> decls;
  for (OptionDecl d : run_option_decls()) {
    if (d.key == "method") continue;
    if (d.key == "seed") d.help = "The first seed: the study's seeds are seed, seed + 1, ... (--seeds)";
    decls.push_back(d);
  }
  cl->options.add(app, decls);
  app.add_option("--variant", cl->variants,
                 "A variant: `revive train` words, a method first (\"none\", \"we\", \"we --we-preset reference\"); "
                 "repeat for more")
      ->group("Study");
  app.add_option("--file", cl->file, "Study file (JSON, or TOML ending in .toml): options, seeds, variants")
      ->group("Study");
  app.add_option("--seeds", cl->seeds, "How many seeds (default 2)")->check(CLI::Range(1, 1 << 20))->group("Study");
  app.add_option("--seed-list", cl->seed_list, "The seeds themselves, e.g. 0,1,7 (instead of --seeds)")
      ->group("Study");
  app.add_option("--baseline", cl->baseline, "The variant the others are compared with (default: the first of "
                                              "method none)")
      ->group("Study");
  app.add_option("--out", cl->out, "Study folder (default: studies/<model>-<dataset>-<time>); --out alone resumes it")
      ->group("Study");
  app.add_flag("--plan", cl->plan, "List the study's runs (one a line, in order, with their state) and exit")
      ->group("Study");
  app.add_option("--shard", cl->shard, "Run only shard K of N (K/N, 0 <= K < N, e.g. $SLURM_ARRAY_TASK_ID/N): the runs whose number is K modulo N")
      ->group("Study");
  app.add_option("--report", cl->report, "Write the report (and pictures) of the study in this folder and exit")
      ->group("Study");
  app.add_flag("--no-plots", cl->no_plots, "No pictures")->group("Study");
  app.add_flag("--no-progress", cl->no_progress, "No progress bar within epochs")->group("Study");
  app.add_option("--stop-after-steps", cl->stop_after_steps,
                 "Testing: act as if interrupted after N training steps of this call")
      ->group("");
  return [cl] { return run_study(*cl); };
}

}  // namespace revive::cli
