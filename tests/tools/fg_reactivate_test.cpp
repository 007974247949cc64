// `revive reactivate --method fg --in A --scion B --out A2`: A takes its share of B per graft group,
// with --model and without (the PyTorch-named fixture with its module order), both giving the same
// bits; the report gives every group's entropies and alpha as the formula of §2.5 says; the output
// is the blend of A and B; B is left as it is; and the mistakes a user can make are named.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/safetensors.h"
#include "reactivation/tensor_entropy.h"
#include "tools/plain_net_fixture.h"
#include "tools/run_binary.h"
#include "tools/run_files.h"

namespace revive {
namespace {

namespace fs = std::filesystem;
using testing::kFixture;
using testing::kModules;
using testing::run_revive;
using testing::same_bytes;
using testing::step_line;
using testing::zoo_name;

// A scion for the fixture: every float value x becomes 4 x |x| (a histogram of another shape, so
// the entropies differ), the counters are 10 higher.
SafetensorsFile make_scion(const SafetensorsFile& in) {
  SafetensorsFile out = in;
  for (auto& [name, t] : out.tensors) {
    if (t.dtype() == DType::kFloat32) {
      std::vector<float> v = t.to_vector<float>();
      for (float& x : v) x = 4.0f * x * std::fabs(x);
      t = Tensor::from_vector(v, t.shape());
    } else {
      std::vector<int64_t> v = t.to_vector<int64_t>();
      for (int64_t& x : v) x += 10;
      t = Tensor::from_vector(v, t.shape());
    }
  }
  return out;
}

struct Files {
  fs::path dir;
  std::string a, b, zoo_a, zoo_b;
};

Files write_files(const std::string& name) {
  Files f;
  f.dir = testing::fresh_dir("revive_fg_reactivate_", name);
  fs::create_directories(f.dir);
  const SafetensorsFile a = load_safetensors(kFixture), b = make_scion(a);
  f.a = kFixture;
  f.b = (f.dir / "b.safetensors").string();
  save_safetensors(f.b, NamedTensors(b.tensors.begin(), b.tensors.end()), b.metadata);
  f.zoo_a = (f.dir / "zoo_a.safetensors").string();
  f.zoo_b = (f.dir / "zoo_b.safetensors").string();
  testing::save_zoo_named(f.zoo_a, a);
  testing::save_zoo_named(f.zoo_b, b);
  return f;
}

TEST(FgReactivate, GraftsInFromTheScionWithAndWithoutTheModel) {
  const Files f = write_files("graft");
  const std::string free_out = (f.dir / "free.safetensors").string(), zoo_out = (f.dir / "zoo.safetensors").string();
  const std::string scion_bytes = testing::read_file(f.b);
  auto r = run_revive("reactivate --method fg --threads 2 --module-order " + kModules + " --in " + f.a + " --scion " +
                      f.b + " --out " + free_out);
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json free_line = step_line(r.output);
  r = run_revive("reactivate --method fg --threads 2 --model cnn --in " + f.zoo_a + " --scion " + f.zoo_b +
                 " --out " + zoo_out);
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json zoo_line = step_line(r.output);
  EXPECT_EQ(free_line["scion"], f.b);
  EXPECT_FALSE(free_line.contains("epoch"));
  EXPECT_EQ(testing::read_file(f.b), scion_bytes) << "the scion was rewritten";

  const nlohmann::json& groups = free_line["report"]["groups"];
  ASSERT_EQ(groups.size(), 3u) << free_line.dump();
  ASSERT_EQ(zoo_line["report"]["groups"].size(), 3u) << zoo_line.dump();
  const SafetensorsFile a = load_safetensors(f.a), b = load_safetensors(f.b), out = load_safetensors(free_out);
  std::vector<double> alphas;
  for (size_t g = 0; g < groups.size(); ++g) {
    const nlohmann::json& row = groups[g];
    const std::string conv = row["conv"];
    const Tensor& wa = a.tensors.at(conv);
    const Tensor& wb = b.tensors.at(conv);
    const float ha = tensor_entropy(wa.data<float>(), wa.numel()), hb = tensor_entropy(wb.data<float>(), wb.numel());
    EXPECT_EQ(row["entropy"].get<float>(), ha) << conv;
    EXPECT_EQ(row["scion_entropy"].get<float>(), hb) << conv;
    EXPECT_NE(ha, hb) << conv;
    // §2.5 with the paper preset's a = 0.4, c = 500, unrounded.
    const double alpha = 0.4 / M_PI * std::atan(500.0 * (static_cast<double>(ha) - hb)) + 0.5;
    EXPECT_NEAR(row["alpha"].get<double>(), alpha, 1e-15) << conv;
    alphas.push_back(row["alpha"].get<double>());
    // The same step under the zoo's names.
    const nlohmann::json& zoo_row = zoo_line["report"]["groups"][g];
    EXPECT_EQ(zoo_row["conv"], zoo_name(conv));
    EXPECT_EQ(zoo_row["entropy"], row["entropy"]);
    EXPECT_EQ(zoo_row["alpha"], row["alpha"]);
  }
  // Output = alpha A + (1 - alpha) B in float32, conv by conv; the classifier takes the last
  // conv's alpha (reference scope, §2.3); every tensor equals the zoo step's.
  const SafetensorsFile zoo = load_safetensors(zoo_out);
  for (const auto& [name, alpha] : std::vector<std::pair<std::string, double>>{
           {"stem.conv.weight", alphas[0]}, {"stages.3.conv.weight", alphas[2]}, {"head.weight", alphas[2]}}) {
    const std::vector<float> xa = a.tensors.at(name).to_vector<float>(), xb = b.tensors.at(name).to_vector<float>();
    const std::vector<float> xo = out.tensors.at(name).to_vector<float>();
    const float ws = static_cast<float>(alpha), wc = static_cast<float>(1.0 - alpha);
    for (size_t i = 0; i < xa.size(); ++i) ASSERT_EQ(xo[i], xa[i] * ws + xb[i] * wc) << name << " " << i;
  }
  ASSERT_EQ(out.tensors.size(), a.tensors.size());
  for (const auto& [name, t] : out.tensors) EXPECT_TRUE(same_bytes(t, zoo.tensors.at(zoo_name(name)))) << name;
  fs::remove_all(f.dir);
}

TEST(FgReactivate, TheReferencePresetRoundsAlphaToTwoDecimals) {
  const Files f = write_files("reference");
  const auto r = run_revive("reactivate --method fg --fg-preset reference --threads 2 --model cnn --in " + f.zoo_a +
                            " --scion " + f.zoo_b + " --out " + (f.dir / "out.safetensors").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json line = step_line(r.output);  // alive through the loop
  for (const nlohmann::json& row : line["report"]["groups"]) {
    const double alpha = row["alpha"].get<double>();
    EXPECT_EQ(alpha, std::nearbyint(alpha * 100) / 100) << row.dump();
  }
  fs::remove_all(f.dir);
}

TEST(FgReactivate, MistakesAreNamed) {
  const Files f = write_files("mistakes");
  // Scions that are not the same architecture.
  SafetensorsFile other = load_safetensors(f.b);
  other.tensors.erase("head.bias");
  const std::string missing = (f.dir / "missing.safetensors").string();
  save_safetensors(missing, NamedTensors(other.tensors.begin(), other.tensors.end()), other.metadata);
  other = load_safetensors(f.b);
  other.tensors.at("stem.conv.weight") = Tensor::zeros({32, 9});
  const std::string reshaped = (f.dir / "reshaped.safetensors").string();
  save_safetensors(reshaped, NamedTensors(other.tensors.begin(), other.tensors.end()), other.metadata);

  const std::string out = (f.dir / "out.safetensors").string();
  const std::string io = " --module-order " + kModules + " --in " + f.a + " --out " + out;
  for (const auto& [args, expect] : std::vector<std::pair<std::string, std::string>>{
           {"--method fg" + io, "--method fg grafts --in from a second network: give --scion B.safetensors"},
           {"--method we --epoch 3 --scion " + f.b + io, "--scion is for --method fg, which grafts from a second "
                                                          "network; --method we steps --in on its own"},
           {"--method we --scion " + f.b + io, "--scion is for --method fg"},
           {"--method we" + io, "--epoch is required"},
           {"--method fg --scion " + missing + io, "--scion " + missing + " must hold the tensors of --in " + f.a +
                                                        ": head.bias is missing"},
           {"--method fg --scion " + reshaped + io, "stem.conv.weight is [32, 9] float32 there, [32, 1, 3, 3] float32"},
           {"--method fg --fg-variant noise --scion " + f.b + io, "grafting from a scion needs the FG variant "
                                                                  "external or filter"},
           {"--method fg --fg-variant filter --scion " + f.b + io, "--fg-variant filter reads conv groups"},
       }) {
    const auto r = run_revive("reactivate " + args);
    EXPECT_EQ(r.status, 1) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expect), std::string::npos) << args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(f.dir);
}

}  // namespace
}  // namespace revive
