// Minimal reverse-mode autograd (ARCHITECTURE.md decision 5).
//
// Differentiable ops (nn/functional.h) compute their output with a kernel and, when gradients are
// enabled and an input requires one, call record(): the output gets a Node holding a backward
// closure and one Edge per input. Tensor::backward() walks the graph once in reverse topological
// order, sums gradients arriving at a node from several consumers, accumulates (+=) into leaves
// (parameters accumulate into the gradient arena) and frees each node's saved tensors as it goes.
//
// Rules for a backward closure: capture detached tensors (Tensor::detach()) so an output does not
// own itself through its node; return one gradient per input, undefined where not needed; a
// gradient has the layout of the tensor it is the gradient of.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace revive {

class Node;

// Where the gradient of one input goes: to the node that produced it, or into a leaf's grad.
struct Edge {
  std::shared_ptr<Node> fn;
  Tensor leaf;
  bool active() const { return fn != nullptr || leaf.defined(); }
};

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_out)>;

class Node {
 public:
  Node(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  const char* name() const { return name_; }
  const std::vector<Edge>& next() const { return next_; }
  bool needs_input_grad(size_t i) const { return i < next_.size() && next_[i].active(); }

 private:
  friend bool record(const char*, const std::vector<Tensor>&, Tensor&, BackwardFn);
  friend void run_backward(const Tensor&);
  const char* name_;
  BackwardFn fn_;
  std::vector<Edge> next_;
};

// Whether ops record graph nodes on this thread (off inside a NoGradGuard).
bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when an op on these inputs must record a node.
bool needs_graph(const std::vector<Tensor>& inputs);

// Attaches a node computing the inputs' gradients to `output`. Returns false (and records nothing)
// when no input requires a gradient or gradients are disabled. The closure may query which inputs
// need a gradient through the returned node only after recording, so it receives them instead.
bool record(const char* name, const std::vector<Tensor>& inputs, Tensor& output, BackwardFn fn);

// dst += src, element-wise over the physical storage (same shape, dtype and layout).
void accumulate_(Tensor& dst, const Tensor& src);

void run_backward(const Tensor& root);

}  // namespace revive
