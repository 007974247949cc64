// The CLI tests' PyTorch-exported CNN (tests/fixtures/plain_net.safetensors, made by
// tools/make_state_dict_fixture.py: revive's `cnn` under the names stem.conv, stem.norm,
// stages.1.conv, ..., head), its named_modules() order, the same weights under the zoo's names, and
// readers of what `revive reactivate` prints and writes.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/safetensors.h"

namespace revive::testing {

inline const std::string kFixtures = std::string(REVIVE_SOURCE_DIR) + "/tests/fixtures/";
inline const std::string kFixture = kFixtures + "plain_net.safetensors";
inline const std::string kModules = kFixtures + "plain_net.modules.txt";

// A fixture name under revive's `cnn` (stem.conv.weight -> conv1.weight).
inline std::string zoo_name(const std::string& name) {
  static const std::map<std::string, std::string> zoo_module{
      {"stem.conv", "conv1"},     {"stem.norm", "bn1"}, {"stages.1.conv", "conv2"}, {"stages.1.norm", "bn2"},
      {"stages.3.conv", "conv3"}, {"stages.3.norm", "bn3"}, {"head", "linear"}};
  const size_t dot = name.rfind('.');
  return zoo_module.at(name.substr(0, dot)) + name.substr(dot);
}

// `f` saved to `path` under the zoo's names.
inline void save_zoo_named(const std::string& path, const SafetensorsFile& f) {
  NamedTensors renamed;
  for (const auto& [name, t] : f.tensors) renamed.emplace_back(zoo_name(name), t);
  save_safetensors(path, renamed, f.metadata);
}

// The JSON line `revive reactivate` prints on stdout.
inline nlohmann::json step_line(const std::string& output) {
  std::istringstream is(output);
  std::string line;
  while (std::getline(is, line)) {
    if (!line.empty() && line[0] == '{') return nlohmann::json::parse(line);
  }
  ADD_FAILURE() << "no JSON line in:\n" << output;
  return nullptr;
}

// A step's report without its timings.
inline nlohmann::json untimed(nlohmann::json report) {
  report.erase("elapsed_us");
  report.erase("stage_us");
  return report;
}

inline bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())) == 0;
}

}  // namespace revive::testing
