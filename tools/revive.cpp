// revive: train small CNNs with and without weight reactivation. `revive --help` lists commands.
#include <cstdio>
#include <map>
#include <string>

#include "core/error.h"
#include "core/runtime_options.h"
#include "revive_git_commit.h"
#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"revive: train small convolutional networks while reactivating their dead weights.\n"
               "Run `revive <command> --help` for a command's options."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print the help of every command");
  const std::string commit = REVIVE_GIT_COMMIT;
  app.set_version_flag("--version", std::string("revive ") + REVIVE_VERSION + (commit.empty() ? "" : " (" + commit + ")"));
  bool verbose = false;
  app.add_flag("--verbose", verbose, "With an error, print where revive raised it (before or after the command)");
  app.fallthrough();  // --verbose after the command too: the commands pass it up
  std::map<const CLI::App*, revive::cli::Runner> runners;
  auto add = [&](const char* name, const char* what, revive::cli::Runner (*fn)(CLI::App&)) {
    CLI::App* sub = app.add_subcommand(name, what);
    runners[sub] = fn(*sub);
  };
  add("train", "Train a model (default: a small CNN on Fashion-MNIST for 3 epochs on the CPU)",
      revive::cli::add_train_command);
  add("eval", "Evaluate saved weights on a dataset's test split", revive::cli::add_eval_command);
  add("reactivate", "Apply one reactivation step to a .safetensors state dict (yours, or a revive checkpoint)",
      revive::cli::add_reactivate_command);
  add("study", "Train a baseline and methods on the same seeds and report the differences (tables, pictures)",
      revive::cli::add_study_command);
  add("inspect", "Per conv layer of a .safetensors state dict: dormant filters, average L1 norms, entropy",
      revive::cli::add_inspect_command);
  add("info", "Print the build (oneDNN, CUDA), the devices found and the thread count",
      revive::cli::add_info_command);
  revive::set_runtime_options(revive::RuntimeOptions::from_environment());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const CLI::App* sub : app.get_subcommands()) return runners.at(sub)();
  } catch (const revive::Error& e) {
    // A user's mistake (a missing file, a bad value) reads as its message; --verbose adds where.
    std::fprintf(stderr, "revive: error: %s\n", verbose ? e.with_location().c_str() : e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "revive: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
