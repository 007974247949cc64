// A study file: what `revive study` can also be told on its command line, kept in a file so that a
// study can be written down and rerun. JSON, or TOML when the name ends in .toml (where the build
// has Debian's libcpptoml-dev). Keys (all optional; the command line adds to them, see below):
//   options    the `revive train` options every run shares, by config.json key ("limit_train")
//   seed       the first seed (seed k = seed + k for --seeds)
//   seeds      how many seeds
//   seed_list  the seeds themselves (instead of seed/seeds)
//   variants   each a string of `revive train` words ("we --we-preset reference") or an object
//              {"name": ..., "args": ...} that names it
//   baseline   the variant the others are compared with (default: the first of method none)
// JSON:  {"options": {"model": "resnet20", "epochs": 5}, "seeds": 3,
//         "variants": ["none", "we", {"name": "we-ref", "args": "we --we-preset reference"}]}
// TOML:  seeds = 3
//        variants = ["none", "we"]
//        [options]
//        model = "resnet20"
// (a TOML array holds one kind of element: named variants go in an array of tables,
//  [[variants]] with name = ... and args = ..., instead of the strings).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace revive::cli {

// The file as a JSON object with only the keys above, each of its JSON type (throws revive::Error
// naming the file and the key).
nlohmann::json read_study_file(const std::string& path);

// TOML text as JSON (tables become objects, arrays arrays; dates are refused). Throws
// revive::Error naming `origin`, or saying that this build reads no TOML.
nlohmann::json toml_to_json(const std::string& text, const std::string& origin);

}  // namespace revive::cli
