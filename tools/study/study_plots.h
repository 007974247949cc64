// The study's pictures: tools/plot_study.py, run with Debian's /usr/bin/python3 and
// python3-matplotlib, draws them from the study folder alone into <study>/plots/.
#pragma once

#include <string>

namespace revive::cli {

// Draws the pictures of the study in `dir` when matplotlib is present; otherwise says on stderr how
// to install it and how to draw them later. Returns whether pictures were drawn.
bool plot_study(const std::string& dir);

// The plot script: $REVIVE_PLOT_SCRIPT, else tools/plot_study.py of the source tree this binary
// was built from.
std::string plot_script_path();

}  // namespace revive::cli
