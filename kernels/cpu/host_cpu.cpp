#include "kernels/cpu/host_cpu.h"

#include <cpuid.h>

#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/parallel.h"

namespace revive::kernels::cpu {
namespace {

std::string read_brand_string() {
  unsigned regs[12] = {};
  unsigned top = __get_cpuid_max(0x80000000u, nullptr);
  if (top < 0x80000004u) return "unknown x86-64 CPU";
  for (unsigned i = 0; i < 3; ++i) __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
  char text[49] = {};
  std::memcpy(text, regs, 48);
  std::string s(text);
  // Brand strings are padded with spaces (leading on some Intel parts).
  const size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "unknown x86-64 CPU" : s.substr(b, e - b + 1);
}

const char* isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "baseline";
  }
}

}  // namespace

const std::string& cpu_model() {
  static const std::string model = read_brand_string();
  return model;
}

const std::string& cpu_isa() {
  static const std::string isa = isa_name(dnnl::get_effective_cpu_isa());
  return isa;
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

std::string host_description() { return cpu_model() + " (" + cpu_isa() + ")"; }

nlohmann::json host_json() {
  return {{"cpu", cpu_model()}, {"isa", cpu_isa()}, {"onednn", onednn_version()}, {"threads", num_threads()}};
}

}  // namespace revive::kernels::cpu
