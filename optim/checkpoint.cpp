#include "optim/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/safetensors.h"
#include "nn/state_dict.h"

namespace revive {
namespace {

namespace fs = std::filesystem;

std::string checkpoint_name(const TrainPosition& p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "ckpt-e%04d-s%06lld", p.epoch, static_cast<long long>(p.step));
  return buf;
}

std::vector<fs::path> sidecars(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("ckpt-", 0) == 0 && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());  // the names sort by position
  return out;
}

NamedTensors momentum_tensors(const nn::ParameterArena& arena, const Tensor& momentum) {
  NamedTensors out;
  for (const auto& e : arena.entries()) out.emplace_back(e.name, Tensor::view_of(momentum, e.offset, e.shape));
  return out;
}

}  // namespace

CheckpointWriter::CheckpointWriter(std::string dir, int keep_last) : dir_(std::move(dir)), keep_last_(keep_last) {
  REVIVE_CHECK(keep_last_ >= 1, "--keep-last must be at least 1, got " << keep_last_);
  ensure_writable_dir(dir_);
}

std::string CheckpointWriter::write(const std::vector<CheckpointNetwork>& networks, const CheckpointContents& c) {
  REVIVE_CHECK(!networks.empty() && networks.size() == c.positions.size(),
               "a checkpoint needs one position per network: " << c.positions.size() << " for " << networks.size());
  const std::string base = (fs::path(dir_) / checkpoint_name(c.positions.front())).string();
  CheckpointSidecar sidecar;
  sidecar.contents = c;
  for (size_t k = 0; k < networks.size(); ++k) {
    const CheckpointNetwork& n = networks[k];
    const std::string stem = k == 0 ? base : base + ".net" + std::to_string(k + 1);
    const std::string weights = stem + ".safetensors", momentum = stem + ".momentum.safetensors";
    save_safetensors(weights, n.model->state_dict(), {{"format", "pt"}});
    const optim::SgdState st = n.sgd->state();
    if (st.momentum.defined()) save_safetensors(momentum, momentum_tensors(*n.arena, st.momentum));
    sidecar.networks.push_back({fs::path(weights).filename().string(),
                                st.momentum.defined() ? fs::path(momentum).filename().string() : "",
                                st.momentum_initialised});
  }
  sidecar.n_parameters = networks.front().arena->n_elements();
  const std::string path = base + ".json";
  write_file_atomically(path, [&](std::ostream& os) { os << sidecar.to_json().dump(2) << "\n"; });
  prune();
  return path;
}

void CheckpointWriter::prune() const {
  std::vector<fs::path> all = sidecars(dir_);
  for (size_t i = 0; i + static_cast<size_t>(keep_last_) < all.size(); ++i) {
    const std::string stem = all[i].string().substr(0, all[i].string().size() - 5);
    std::error_code ec;
    fs::remove(all[i], ec);  // the sidecar first: the checkpoint stops existing before its data goes
    // Then its data: every "<stem>.*" file (the networks' weights and momenta).
    const std::string prefix = fs::path(stem).filename().string() + ".";
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove(e.path(), ec);
    }
  }
}

std::optional<std::string> find_latest_checkpoint(const std::string& dir) {
  const std::vector<fs::path> all = sidecars(dir);
  if (all.empty()) return std::nullopt;
  return all.back().string();
}

namespace {

void load_network(const fs::path& dir, const CheckpointNetworkFiles& f, const CheckpointNetwork& n) {
  nn::ParameterArena& arena = *n.arena;
  const std::string weights = (dir / f.weights).string();
  nn::load_state_dict(*n.model, load_safetensors(weights).tensors, weights);
  optim::SgdState st;
  st.momentum_initialised = f.momentum_initialised;
  if (!f.momentum.empty()) {
    const std::string path = (dir / f.momentum).string();
    const SafetensorsFile m = load_safetensors(path);
    st.momentum = Tensor::zeros({arena.params().numel()});
    for (const auto& e : arena.entries()) {
      auto it = m.tensors.find(e.name);
      REVIVE_CHECK(it != m.tensors.end() && it->second.shape() == e.shape && it->second.dtype() == DType::kFloat32,
                   path << ": momentum for " << e.name << " " << shape_str(e.shape) << " missing or mismatched");
      Tensor::view_of(st.momentum, e.offset, e.shape).copy_from(it->second);
    }
  }
  n.sgd->load_state(st);
}

}  // namespace

CheckpointContents load_checkpoint(const std::string& sidecar_path, const std::vector<CheckpointNetwork>& networks) {
  std::ifstream is(sidecar_path);
  REVIVE_CHECK(is.good(), "cannot open checkpoint " << sidecar_path);
  std::stringstream text;
  text << is.rdbuf();
  const CheckpointSidecar s = CheckpointSidecar::parse(text.str(), sidecar_path);
  REVIVE_CHECK(s.networks.size() == networks.size(),
               sidecar_path << " is a checkpoint of " << s.networks.size() << " network(s); this run trains "
                            << networks.size());
  REVIVE_CHECK(s.n_parameters == networks.front().arena->n_elements(),
               sidecar_path << " is a checkpoint of a model with " << s.n_parameters << " parameters; this one has "
                            << networks.front().arena->n_elements());
  const fs::path dir = fs::path(sidecar_path).parent_path();
  for (size_t k = 0; k < networks.size(); ++k) load_network(dir, s.networks[k], networks[k]);
  return s.contents;
}

}  // namespace revive
