#include "core/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "core/device_backend.h"

namespace revive {
namespace {

thread_local bool t_grad_enabled = true;

}  // namespace

bool grad_enabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : prev_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = prev_; }

bool needs_graph(const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

bool record(const char* name, const std::vector<Tensor>& inputs, Tensor& output, BackwardFn fn) {
  if (!needs_graph(inputs)) return false;
  auto node = std::make_shared<Node>(name, std::move(fn));
  node->next_.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    if (!in.defined() || !in.requires_grad()) continue;
    if (in.grad_fn()) {
      node->next_[i].fn = in.grad_fn();
    } else {
      node->next_[i].leaf = in;
    }
  }
  output.set_requires_grad(true);
  output.set_grad_fn(std::move(node));
  return true;
}

namespace {

void check_accumulable(const Tensor& dst, const Tensor& src) {
  REVIVE_CHECK(dst.shape() == src.shape() && dst.layout() == src.layout() && dst.dtype() == src.dtype(),
               "gradient accumulation: " << shape_str(src.shape()) << " " << layout_name(src.layout())
                                         << " into " << shape_str(dst.shape()) << " "
                                         << layout_name(dst.layout()));
  REVIVE_CHECK(dst.device() == src.device(), "gradient accumulation across devices");
}

// out[i] = a[i] + b[i] over host buffers; out may be a.
void add_host(float* out, const float* a, const float* b, int64_t n) {
#pragma omp parallel for simd if (n > 32768) schedule(static)
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

// a + b in a new tensor. On the CPU one pass (read a and b, write the sum) instead of a clone and
// an in-place add (two passes): ResNets meet this at every residual block, where the shortcut's
// gradient aliases the add's.
Tensor summed(const Tensor& a, const Tensor& b) {
  if (a.device().is_cuda()) {
    Tensor out = a.clone();
    accumulate_(out, b);
    return out;
  }
  check_accumulable(a, b);
  Tensor out = Tensor::empty(a.shape(), a.dtype(), a.device(), a.layout());
  add_host(out.data<float>(), a.data<float>(), b.data<float>(), a.physical_numel());
  return out;
}

}  // namespace

void accumulate_(Tensor& dst, const Tensor& src) {
  check_accumulable(dst, src);
  if (dst.device().is_cuda()) {
    device_backend(dst.device(), "gradient accumulation").accumulate(dst, src);
    return;
  }
  add_host(dst.data<float>(), dst.data<float>(), src.data<float>(), dst.physical_numel());
}

void run_backward(const Tensor& root) {
  REVIVE_CHECK(root.numel() == 1, "backward() from a tensor with " << root.numel()
                                                                    << " elements: reduce it to a scalar first");
  REVIVE_CHECK(root.requires_grad(), "backward() from a tensor that does not require a gradient");
  // Filled where it lives: a host-to-device copy here would wait for the device every step.
  Tensor seed = Tensor::full(root.shape(), 1.0f, root.device());
  if (!root.grad_fn()) {
    Tensor leaf = root;
    Tensor g = leaf.grad();
    if (g.defined()) {
      accumulate_(g, seed);
    } else {
      leaf.set_grad(seed);
    }
    return;
  }

  // Count, for every node reachable from the root, how many edges point at it.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack{root.grad_fn().get()};
  std::unordered_set<Node*> seen{root.grad_fn().get()};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next()) {
      if (!e.fn) continue;
      ++deps[e.fn.get()];
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }

  // Keep nodes alive while we work even if tensors drop them.
  std::shared_ptr<Node> root_fn = root.grad_fn();
  // A gradient may alias one that an op handed to several inputs (add returns dy twice), so the
  // first accumulation into it writes a new tensor; later ones add in place.
  struct Pending {
    Tensor grad;
    bool owned = false;
  };
  std::unordered_map<Node*, Pending> pending;
  pending[root_fn.get()] = Pending{seed, true};
  std::vector<std::shared_ptr<Node>> ready{root_fn};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor grad_out;
    if (auto it = pending.find(node.get()); it != pending.end()) {
      grad_out = std::move(it->second.grad);
      pending.erase(it);
    }
    // A node no gradient reached still releases its inputs, so their dependency counts drain.
    std::vector<Tensor> grads;
    if (grad_out.defined()) {
      grads = node->fn_(grad_out);
      REVIVE_CHECK(grads.size() == node->next_.size(),
                   "backward of " << node->name() << " returned " << grads.size() << " gradients for "
                                  << node->next_.size() << " inputs");
    } else {
      grads.resize(node->next_.size());
    }
    for (size_t i = 0; i < grads.size(); ++i) {
      Edge& e = node->next_[i];
      if (!e.active()) continue;
      Tensor& g = grads[i];
      if (e.fn) {
        Node* target = e.fn.get();
        if (g.defined()) {
          auto it = pending.find(target);
          if (it == pending.end()) {
            pending.emplace(target, Pending{std::move(g), false});
          } else {
            if (it->second.owned) {
              accumulate_(it->second.grad, g);
            } else {
              it->second.grad = summed(it->second.grad, g);
              it->second.owned = true;
            }
          }
        }
        if (--deps[target] == 0) ready.push_back(e.fn);
      } else if (g.defined()) {
        Tensor leaf_grad = e.leaf.grad();
        if (leaf_grad.defined()) {
          accumulate_(leaf_grad, g);
        } else {
          e.leaf.set_grad(g.clone());
        }
      }
    }
    // Free the node's saved tensors and edges: the graph is used once.
    node->fn_ = nullptr;
    node->next_.clear();
  }
}

}  // namespace revive
