// Declared options (core/option.h) on a CLI11 command: each becomes its flag, with its help,
// valid values and default in --help, in its group. CLI11 only collects the words; parsing and
// checking them is the declaration's (parse_option_text), so a bad value reads the same on the
// command line as in a file: "revive: error: --batch 0: must be an integer in [1, 1048576]".
#pragma once

#include <CLI/CLI.hpp>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/option.h"

namespace revive::cli {

class CliOptions {
 public:
  // Adds every declaration that has a flag (`rename` gives some a command-specific flag, by key).
  void add(CLI::App& app, const std::vector<OptionDecl>& decls, const std::map<std::string, std::string>& rename = {});
  // After parsing: the options given, by key, each parsed and checked (throws revive::Error).
  nlohmann::json given() const;
  // The flags given, as typed ("--batch", ...), for messages.
  std::vector<std::string> given_flags() const;

 private:
  struct Bound {
    OptionDecl decl;
    std::string flag;
    CLI::Option* option = nullptr;
    std::vector<std::string> words;
    bool value = false;  // booleans
  };
  std::deque<Bound> bound_;  // stable addresses: CLI11 writes into them
};

}  // namespace revive::cli
