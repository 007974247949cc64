// The safetensors format (a little-endian u64 header length, a JSON header mapping each tensor name
// to {dtype, shape, data_offsets}, then the raw bytes), so that `safetensors.torch.load_file` opens
// revive's files and revive opens files exported from PyTorch. Tensor names follow PyTorch state
// dicts. Supported dtypes: F32, I32, I64.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace revive {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes atomically (core/atomic_file.h). Tensors are converted to plain CPU copies as needed.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;  // CPU, plain
  std::map<std::string, std::string> metadata;
};

// Validates everything (header size, JSON, dtypes, shapes, offsets in range, no overlaps, overflow)
// and throws revive::Error naming the file and the problem.
SafetensorsFile load_safetensors(const std::string& path);
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& origin);

}  // namespace revive
