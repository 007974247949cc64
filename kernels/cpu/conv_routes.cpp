#include "kernels/cpu/conv_routes.h"

#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/json_fields.h"

namespace revive::kernels::cpu {
namespace {

const char* const kPassNames[] = {"forward", "backward_data", "backward_weights"};
const char* const kRouteNames[kNumConvRoutes] = {"onednn_direct",      "onednn_direct_as_backward_data",
                                                 "onednn_winograd",    "winograd_f2_avx2",
                                                 "winograd_f2_avx512", "single_channel",
                                                 "winograd_f4_avx512"};
const char* const kModeNames[] = {"auto", "direct", "winograd"};
const Layout kLayouts[] = {Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16};

// Bounds on what a file may claim a layer is: far beyond any network revive trains, small enough
// that no product of them overflows.
constexpr int64_t kMaxExtent = int64_t{1} << 20;
constexpr int64_t kMaxKernel = 1 << 10;

Layout layout_named(const std::string& name, const std::string& origin) {
  for (Layout l : kLayouts) {
    if (layout_name(l) == name) return l;
  }
  REVIVE_THROW(origin << ": unknown layout '" << name << "'");
}

std::pair<int64_t, int64_t> pair_field(const nlohmann::json& j, const std::string& key, const std::string& origin,
                                       int64_t lo, int64_t hi) {
  const std::vector<int64_t> v = json_int_list(j, key, origin, lo, hi);
  REVIVE_CHECK(v.size() == 2, origin << ": '" << key << "' must hold two integers");
  return {v[0], v[1]};
}

}  // namespace

const char* pass_name(ConvPass pass) { return kPassNames[static_cast<int>(pass)]; }

const char* route_name(ConvRoute route) { return kRouteNames[static_cast<int>(route)]; }

std::optional<ConvRoute> route_named(const std::string& name) {
  for (int i = 0; i < kNumConvRoutes; ++i) {
    if (name == kRouteNames[i]) return static_cast<ConvRoute>(i);
  }
  return std::nullopt;
}

bool is_winograd(ConvRoute route) {
  return route == ConvRoute::kOneDnnWinograd || route == ConvRoute::kWinogradAvx2 ||
         route == ConvRoute::kWinogradAvx512 || route == ConvRoute::kWinogradF4Avx512;
}

const char* mode_name(ConvRouteMode mode) { return kModeNames[static_cast<int>(mode)]; }

std::optional<ConvRouteMode> mode_named(const std::string& name) {
  for (int i = 0; i < 3; ++i) {
    if (name == kModeNames[i]) return static_cast<ConvRouteMode>(i);
  }
  return std::nullopt;
}

size_t ConvRouteKeyHash::operator()(const ConvRouteKey& k) const {
  uint64_t h = 1469598103934665603ull;
  const auto* words = reinterpret_cast<const int64_t*>(&k);
  for (size_t i = 0; i < sizeof k / sizeof(int64_t); ++i) h = (h ^ static_cast<uint64_t>(words[i])) * 1099511628211ull;
  return static_cast<size_t>(h);
}

ConvRouteKey conv_route_key(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in, Layout out,
                            bool bias) {
  ConvRouteKey k;
  k.pass = static_cast<int64_t>(pass);
  k.C = s.C, k.H = s.H, k.W = s.W, k.K = s.K, k.R = s.R, k.S = s.S;
  k.stride_h = p.stride_h, k.stride_w = p.stride_w, k.pad_h = p.pad_h, k.pad_w = p.pad_w;
  k.dilation_h = p.dilation_h, k.dilation_w = p.dilation_w, k.groups = p.groups;
  k.in_layout = static_cast<int64_t>(in), k.out_layout = static_cast<int64_t>(out), k.bias = bias ? 1 : 0;
  return k;
}

Conv2dParams key_params(const ConvRouteKey& k) {
  Conv2dParams p;
  p.stride_h = static_cast<int>(k.stride_h), p.stride_w = static_cast<int>(k.stride_w);
  p.pad_h = static_cast<int>(k.pad_h), p.pad_w = static_cast<int>(k.pad_w);
  p.dilation_h = static_cast<int>(k.dilation_h), p.dilation_w = static_cast<int>(k.dilation_w);
  p.groups = static_cast<int>(k.groups);
  return p;
}

Conv2dShape key_shape(const ConvRouteKey& k, int64_t n) {
  return conv2d_shape({n, k.C, k.H, k.W}, {k.K, k.C / k.groups, k.R, k.S}, key_params(k));
}

std::string describe_key(const ConvRouteKey& k) {
  std::ostringstream os;
  os << kPassNames[k.pass] << " " << k.C << "x" << k.H << "x" << k.W << " -> " << k.K << ", " << k.R << "x" << k.S
     << ", stride " << k.stride_h << "x" << k.stride_w << ", pad " << k.pad_h << "x" << k.pad_w;
  if (k.dilation_h != 1 || k.dilation_w != 1) os << ", dilation " << k.dilation_h << "x" << k.dilation_w;
  if (k.groups != 1) os << ", groups " << k.groups;
  if (k.bias) os << ", bias";
  os << " (" << layout_name(static_cast<Layout>(k.in_layout)) << " -> "
     << layout_name(static_cast<Layout>(k.out_layout)) << ")";
  return os.str();
}

nlohmann::json route_entry_json(const ConvRouteKey& k, ConvRoute route) {
  return {{"pass", kPassNames[k.pass]},
          {"input", {k.C, k.H, k.W}},
          {"output_channels", k.K},
          {"kernel", {k.R, k.S}},
          {"stride", {k.stride_h, k.stride_w}},
          {"pad", {k.pad_h, k.pad_w}},
          {"dilation", {k.dilation_h, k.dilation_w}},
          {"groups", k.groups},
          {"layouts", {layout_name(static_cast<Layout>(k.in_layout)), layout_name(static_cast<Layout>(k.out_layout))}},
          {"bias", k.bias != 0},
          {"route", route_name(route)}};
}

std::pair<ConvRouteKey, ConvRoute> route_entry_from_json(const nlohmann::json& j, const std::string& origin) {
  REVIVE_CHECK(j.is_object(), origin << ": a route entry must be an object");
  const std::string pass = json_string(j, "pass", origin);
  ConvRouteKey k;
  k.pass = -1;
  for (int i = 0; i < 3; ++i) {
    if (pass == kPassNames[i]) k.pass = i;
  }
  REVIVE_CHECK(k.pass >= 0, origin << ": unknown pass '" << pass << "'");
  const std::vector<int64_t> input = json_int_list(j, "input", origin, 1, kMaxExtent);
  REVIVE_CHECK(input.size() == 3, origin << ": 'input' must hold [channels, height, width]");
  k.C = input[0], k.H = input[1], k.W = input[2];
  k.K = json_int(j, "output_channels", origin, 1, kMaxExtent);
  std::tie(k.R, k.S) = pair_field(j, "kernel", origin, 1, kMaxKernel);
  std::tie(k.stride_h, k.stride_w) = pair_field(j, "stride", origin, 1, kMaxKernel);
  std::tie(k.pad_h, k.pad_w) = pair_field(j, "pad", origin, 0, kMaxKernel);
  std::tie(k.dilation_h, k.dilation_w) = pair_field(j, "dilation", origin, 1, kMaxKernel);
  k.groups = json_int(j, "groups", origin, 1, kMaxExtent);
  const nlohmann::json& layouts = json_field(j, "layouts", origin);
  REVIVE_CHECK(layouts.is_array() && layouts.size() == 2 && layouts[0].is_string() && layouts[1].is_string(),
               origin << ": 'layouts' must hold two layout names");
  k.in_layout = static_cast<int64_t>(layout_named(layouts[0].get<std::string>(), origin));
  k.out_layout = static_cast<int64_t>(layout_named(layouts[1].get<std::string>(), origin));
  k.bias = json_bool(j, "bias", origin) ? 1 : 0;
  // The shape must be one a convolution accepts (conv2d_shape throws otherwise).
  key_shape(k, 1);
  const std::string name = json_string(j, "route", origin);
  const std::optional<ConvRoute> route = route_named(name);
  REVIVE_CHECK(route.has_value(), origin << ": unknown route '" << name << "'");
  return {k, *route};
}

void warn_once(const std::string& message) {
  static std::mutex mu;
  static std::set<std::string> said;
  std::lock_guard<std::mutex> lock(mu);
  if (!said.insert(message).second) return;
  std::fprintf(stderr, "revive: warning: %s\n", message.c_str());
}

}  // namespace revive::kernels::cpu
