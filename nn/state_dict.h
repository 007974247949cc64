// Loading a state dict (a revive checkpoint, or a PyTorch state dict saved as safetensors with the
// same names) into a model whose arena is built.
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace revive::nn {

// Copies every entry of model.state_dict() from `tensors` (same names, shapes and dtypes; float
// tensors may come with any layout-free float32 data). Strict: a missing or unexpected name, or a
// shape or dtype mismatch, throws revive::Error listing them; `origin` (a file name) goes in the
// message. Nothing is copied unless everything matches.
void load_state_dict(Module& model, const std::map<std::string, Tensor>& tensors, const std::string& origin);

}  // namespace revive::nn
