// `revive info`: what this build contains and what it finds on the machine.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdio>

#include "core/device.h"
#include "core/parallel.h"
#include "core/runtime_options.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/host_cpu.h"
#include "kernels/device_runtime.h"
#include "kernels/layout.h"
#include "tools/commands.h"

namespace revive::cli {

Runner add_info_command(CLI::App& app) {
  return [&app] {
    (void)app;
    const dnnl_version_t* v = dnnl_version();
    std::printf("revive %s\n", REVIVE_VERSION);
    std::printf("oneDNN %d.%d.%d (CPU runtime: OpenMP)\n", v->major, v->minor, v->patch);
    std::printf("CPU: %s, oneDNN kernels for %s; activations in %s\n", kernels::cpu::cpu_model().c_str(),
                kernels::cpu::cpu_isa().c_str(), layout_name(kernels::preferred_layout()).c_str());
    std::printf("CPU convolution routes: %s\n", kernels::cpu_conv_routes().c_str());
    std::printf("CUDA backend:\n");
    for (const std::string& line : kernels::cuda_report()) std::printf("  %s\n", line.c_str());
    std::printf("devices: cpu%s (default %s)\n", cuda_available() ? ", cuda" : "",
                kernels::default_device_name().c_str());
#ifdef REVIVE_HAVE_MPI
    std::printf("MPI: built in (FG over ranks: mpirun -np N revive train --method fg --models N)\n");
#else
    std::printf("MPI: not built in (REVIVE_MPI=OFF or no MPI found at configure time)\n");
#endif
    std::printf("threads: %d\n", num_threads());
    std::printf("runtime switches:");
    for (const auto& [name, value] : runtime_options().describe()) std::printf(" %s=%s", name.c_str(), value.c_str());
    std::printf("\n");
    return 0;
  };
}

}  // namespace revive::cli
