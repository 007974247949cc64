#include "tools/run_folder.h"

#include <cstdint>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"

namespace revive::cli {

nlohmann::json read_folder_json(const std::string& dir, const std::string& name, const std::string& kind) {
  const std::string path = dir + "/" + name;
  std::ifstream is(path);
  REVIVE_CHECK(is.good(), dir << ": no " << name << " there (is it a revive " << kind << " folder?)");
  std::stringstream text;
  text << is.rdbuf();
  return json_parse(text.str(), path);
}

RunConfig read_run_config(const std::string& dir) {
  return run_config_from_json(read_folder_json(dir, "config.json", "run"), dir + "/config.json");
}

std::vector<nlohmann::json> read_metrics(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream is(path);
  std::string line;
  for (int n = 1; std::getline(is, line); ++n) {
    if (line.empty()) continue;
    nlohmann::json l = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (l.is_discarded()) break;  // cut short by a crash: the lines before it are the run's
    const std::string where = path + " line " + std::to_string(n);
    REVIVE_CHECK(l.is_object(), where << ": expected a JSON object, found " << l.type_name());
    json_int(l, "epoch", where, 1, INT32_MAX);
    if (l.contains("interrupted")) json_bool(l, "interrupted", where);
    lines.push_back(std::move(l));
  }
  return lines;
}

void truncate_metrics(const std::string& path, int finished_epochs) {
  std::vector<nlohmann::json> keep;
  for (auto& l : read_metrics(path)) {
    const bool interrupted = l.value("interrupted", false);
    if (!interrupted && l["epoch"].get<int64_t>() <= finished_epochs) keep.push_back(std::move(l));
  }
  write_file_atomically(path, [&](std::ostream& os) {
    for (const auto& l : keep) os << l.dump() << '\n';
  });
}

RunSummary write_summary(const std::string& dir, double seconds_this_session, const nlohmann::json& extra) {
  const std::string path = dir + "/metrics.jsonl";
  const std::vector<nlohmann::json> lines = read_metrics(path);
  REVIVE_CHECK(!lines.empty(), path << " lost its lines");
  RunSummary s;
  for (size_t i = 0; i < lines.size(); ++i) {
    const double acc = json_double(lines[i], "test_acc", path + " line " + std::to_string(i + 1));
    s.best_test_acc = i == 0 ? acc : std::max(s.best_test_acc, acc);
    s.final_test_acc = acc;
  }
  nlohmann::json summary{{"epochs", lines.size()},
                               {"final_test_acc", s.final_test_acc},
                               {"best_test_acc", s.best_test_acc},
                               {"seconds_this_session", seconds_this_session}};
  for (const auto& [key, value] : extra.items()) summary[key] = value;
  write_file_atomically(dir + "/summary.json", [&](std::ostream& os) { os << summary.dump(2) << "\n"; });
  return s;
}

std::pair<int, double> best_final_network(const std::string& dir) {
  const std::string path = dir + "/metrics.jsonl";
  const std::vector<nlohmann::json> lines = read_metrics(path);
  const std::string where = path + " line " + std::to_string(lines.size());
  REVIVE_CHECK(!lines.empty() && lines.back().contains("networks") && lines.back()["networks"].is_array() &&
                   !lines.back()["networks"].empty(),
               where << ": no 'networks' list of per-network figures");
  const nlohmann::json& nets = lines.back()["networks"];
  std::pair<int, double> best{0, -1.0};
  for (size_t k = 0; k < nets.size(); ++k) {
    const double acc = json_double(nets[k], "test_acc", where + ", network " + std::to_string(k + 1));
    if (acc > best.second) best = {static_cast<int>(k) + 1, acc};
  }
  return best;
}

}  // namespace revive::cli
