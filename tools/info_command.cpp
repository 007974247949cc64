// `revive info`: what this build contains and what it finds on the machine.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdio>

#include "core/device.h"
#include "core/parallel.h"
#include "tools/commands.h"

namespace revive::cli {

Runner add_info_command(CLI::App& app) {
  return [&app] {
    (void)app;
    const dnnl_version_t* v = dnnl_version();
    std::printf("revive %s\n", REVIVE_VERSION);
    std::printf("oneDNN %d.%d.%d (CPU runtime: OpenMP)\n", v->major, v->minor, v->patch);
#ifdef REVIVE_WITH_CUDA
    std::printf("CUDA backend: built\n");
#else
    std::printf("CUDA backend: not built (configure with nvcc available and REVIVE_CUDA=AUTO|ON)\n");
#endif
    std::printf("devices: cpu%s\n", cuda_available() ? ", cuda" : "");
    std::printf("threads: %d\n", num_threads());
    return 0;
  };
}

}  // namespace revive::cli
