// The subcommands of the revive CLI. Each adds its options to the app and returns the function that
// runs it once the command line is parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace revive::cli {

using Runner = std::function<int()>;

Runner add_train_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_info_command(CLI::App& app);
Runner add_reactivate_command(CLI::App& app);
Runner add_study_command(CLI::App& app);
Runner add_inspect_command(CLI::App& app);

}  // namespace revive::cli
