#include "run/run_config.h"

#include "reactivation/registry.h"

namespace revive {

std::vector<OptionDecl> run_option_decls() {
  std::vector<OptionDecl> decls = run_options().decl_list();
  for (OptionDecl& d : decls) {
    if (d.key != "method") continue;
    for (const MethodSpec& m : reactivation_methods()) d.choices.push_back(m.name);
  }
  return decls;
}

nlohmann::json run_config_to_json(const RunConfig& c) {
  nlohmann::json j = run_options().to_json(c);
  for (const auto& [key, value] : c.method_options.items()) j[key] = value;
  return j;
}

RunConfig run_config_from_json(const nlohmann::json& j, const std::string& origin, OptionSource source) {
  const bool from_folder = source == OptionSource::kRunFolder;
  RunConfig c;
  run_options().read_json(c, j, origin, /*require_all=*/from_folder);
  for (const OptionDecl& d : run_option_decls()) {
    if (d.key == "method") check_option_value(d, c.method, origin + ": 'method'");
  }
  const MethodSpec& m = find_method(c.method);
  nlohmann::json given = nlohmann::json::object();
  for (const OptionDecl& d : m.options) {
    REVIVE_CHECK(!from_folder || j.contains(d.key),
                 origin << ": the option '" << d.key << "' of --method " << m.name << " is missing");
    if (j.contains(d.key)) given[d.key] = j[d.key];
  }
  if (!from_folder) {
    for (const auto& [key, value] : j.items()) {
      if (run_options().has(key) || given.contains(key)) continue;
      for (const MethodSpec& other : reactivation_methods()) {
        for (const OptionDecl& d : other.options) {
          REVIVE_CHECK(d.key != key, origin << ": " << d.display_name() << " is an option of --method " << other.name
                                            << ", and this run's method is " << m.name);
        }
      }
      REVIVE_THROW(origin << ": unknown option '" << key << "'");
    }
  }
  c.method_options = resolve_method_options(m, given, origin);
  validate_run_config(c);
  return c;
}

void validate_run_config(const RunConfig& c) {
  const MethodSpec& m = find_method(c.method);
  REVIVE_CHECK(c.models >= m.min_networks && c.models <= m.max_networks,
               "--models " << c.models << ": --method " << m.name << " trains "
                           << (m.min_networks == m.max_networks
                                   ? std::to_string(m.min_networks)
                                   : std::to_string(m.min_networks) + " to " + std::to_string(m.max_networks))
                           << (m.max_networks == 1 ? " network" : " networks"));
  if (m.check_networks) m.check_networks(c.method_options, c.models);
  // The schedule checks its own options (which ones its kind uses, milestones increasing, ...).
  make_run_schedule(c, c.lr);
}

optim::LrSchedule make_run_schedule(const RunConfig& c, double lr0) {
  optim::ScheduleOptions s;
  s.lr = lr0;
  s.epochs = c.epochs;
  s.milestones = c.milestones;
  s.step_size = c.step_size;
  s.gamma = c.gamma;
  s.eta_min = c.eta_min;
  s.per_iteration = c.per_iteration && c.schedule == "cosine";  // the other kinds step per epoch only
  s.warmup_epochs = c.warmup_epochs;
  return optim::make_schedule(c.schedule, s);
}

}  // namespace revive
