// The files of a run folder that `revive train` reads back: metrics.jsonl (truncated to the
// checkpoint a resumed run starts from) and summary.json (made from it when training completes).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run/run_config.h"

namespace revive::cli {

// The JSON of <dir>/<name>; throws "<dir>: no <name> there (is it a revive <kind> folder?)" when it
// cannot be read, and names the file when it is not JSON.
nlohmann::json read_folder_json(const std::string& dir, const std::string& name, const std::string& kind);

// The configuration in <dir>/config.json (throws naming the folder when there is none).
RunConfig read_run_config(const std::string& dir);

// The usable lines of metrics.jsonl: they end at the first line that is not JSON (a line cut short
// by a crash). Throws revive::Error naming the line and field of a line that is JSON but not a
// metrics line: not an object, an epoch that is no integer >= 1, an `interrupted` that is no boolean.
std::vector<nlohmann::json> read_metrics(const std::string& path);

// A resumed run recomputes everything after its checkpoint: keeps only the finished epochs up to
// `finished_epochs` (rewritten atomically).
void truncate_metrics(const std::string& path, int finished_epochs);

struct RunSummary {
  double final_test_acc = 0, best_test_acc = 0;
};
// Writes <dir>/summary.json from <dir>/metrics.jsonl (atomically): epochs, final and best test
// accuracy, this session's seconds, and the fields of `extra`. Throws revive::Error naming the line
// and field of a metrics line that lacks a number where one belongs.
RunSummary write_summary(const std::string& dir, double seconds_this_session,
                         const nlohmann::json& extra = nlohmann::json::object());

// A run of several networks: the network (1-based) with the best final test accuracy and that
// accuracy, from the last line of <dir>/metrics.jsonl.
std::pair<int, double> best_final_network(const std::string& dir);

}  // namespace revive::cli
