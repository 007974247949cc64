// `revive train`: the run's configuration from the command line (or, with --resume, from the run
// folder's config.json), trained by train_run_folder (tools/train_run.h), which writes the folder:
//   config.json        every option (written before training starts), and the host
//   routes.json        the CPU convolution routes of every layer and pass (run/conv_route_pins.h)
//   metrics.jsonl      one line per epoch, appended as each ends (with the dead-filter census)
//   checkpoints/       the newest --keep-last checkpoints (optim/checkpoint.h)
//   model.safetensors  and summary.json, written atomically when training completes (a run of N
//                      networks adds model.net<k>.safetensors for k = 2..N)
#include <atomic>
#include <cstdio>
#include <ctime>
#include <exception>

#include "reactivation/registry.h"
#include "run/network_group.h"
#include "tools/commands.h"
#include "tools/option_cli.h"
#include "tools/signals.h"
#include "tools/train_run.h"

namespace revive::cli {
namespace {

struct CommandLine {
  CliOptions options;
  std::string out;
  std::string resume;
  bool no_progress = false;
  int64_t stop_after_steps = -1;
  double mpi_timeout = 300;
};

std::string default_out_dir(const RunConfig& c) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + c.model + "-" + c.dataset + "-" + c.method + "-s" + std::to_string(c.seed) + "-" + stamp;
}

RunConfig config_from(const CommandLine& cl) {
  if (cl.resume.empty()) return run_config_from_json(cl.options.given(), "command line", OptionSource::kUser);
  std::vector<std::string> flags = cl.options.given_flags();
  if (!cl.out.empty()) flags.push_back("--out");
  if (!flags.empty()) {
    std::string list;
    for (const auto& f : flags) list += (list.empty() ? "" : ", ") + f;
    REVIVE_THROW("--resume continues a run with the options in its config.json; drop " << list);
  }
  try {
    return read_run_config(cl.resume);
  } catch (const Error& e) {
    REVIVE_THROW("--resume " << e.what());
  }
}

int run_train(const CommandLine& cl) {
  const RunConfig config = config_from(cl);
  const std::string out = !cl.resume.empty() ? cl.resume : (cl.out.empty() ? default_out_dir(config) : cl.out);
  TrainRunOptions options;
  options.resume = !cl.resume.empty();
  options.progress = !cl.no_progress;
  options.stop_after_steps = cl.stop_after_steps;
  // Started by mpirun as several ranks: one network each (docs/distributed.md). The ranks cannot
  // stop together in the middle of an epoch, so a signal ends them at once (its default action) and
  // a run resumes from its last checkpoint.
  const std::unique_ptr<NetworkGroup> group = join_network_group(cl.mpi_timeout);
  static std::atomic<bool> never_raised{false};
  if (group) {
    REVIVE_CHECK(cl.stop_after_steps < 0, "--stop-after-steps does not apply to a run of several MPI ranks");
    REVIVE_CHECK(!cl.resume.empty() || !cl.out.empty(),
                 "give the run folder with --out when running as several MPI ranks (every rank must name the same)");
    options.group = group.get();
  }
  options.stop = group ? &never_raised : &install_stop_handlers();
  TrainRunResult r;
  try {
    r = train_run_folder(config, out, options);
  } catch (const std::exception& e) {
    // The other ranks would wait for this one until their timeout: end them all now.
    if (group) group->abort_job(std::string("error: ") + e.what());
    throw;
  }
  if (group && group->rank() != 0) return 0;
  if (r.interrupted) {
    std::fprintf(stderr, "revive: interrupted at epoch %d, step %lld; checkpoint written. Resume with:\n"
                         "  revive train --resume %s\n",
                 r.epoch + 1, static_cast<long long>(r.step), out.c_str());
    return 130;
  }
  std::fprintf(stderr, "revive: done in %.1fs: final test accuracy %.2f%% (best %.2f%%); results in %s/\n", r.seconds,
               100 * r.summary.final_test_acc, 100 * r.summary.best_test_acc, out.c_str());
  return 0;
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto cl = std::make_shared<CommandLine>();
  cl->options.add(app, run_option_decls());
  for (const MethodSpec& m : reactivation_methods()) cl->options.add(app, m.options);
  app.add_option("--out", cl->out, "Run folder (default: runs/<model>-<dataset>-<method>-s<seed>-<time>)")
      ->group("Run folder");
  app.add_option("--resume", cl->resume,
                 "Continue the run in this folder from its newest checkpoint, with the options in its config.json "
                 "(give no other training option)")
      ->group("Run folder");
  app.add_flag("--no-progress", cl->no_progress, "No progress bar / progress lines on stderr")->group("Run folder");
  app.add_option("--mpi-timeout", cl->mpi_timeout,
                 "Under mpirun: seconds a rank waits for another at an exchange before it ends the job naming "
                 "the silent rank")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Distributed (mpirun)");
  app.add_option("--stop-after-steps", cl->stop_after_steps, "Testing: act as if interrupted after N steps")
      ->group("");
  return [cl] { return run_train(*cl); };
}

}  // namespace revive::cli
