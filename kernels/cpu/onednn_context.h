// Shared plumbing for the CPU kernels that run on oneDNN (convolution, linear, and any other op
// that wants a primitive): one engine, one stream per thread, revive Layout <-> memory descriptor
// mapping, buffers from revive's caching allocator, reorders, a process-wide plan cache and the
// translation of dnnl::error into revive::Error.
//
// Why user-managed scratchpads: a primitive with a library-managed scratchpad allocates it on
// every execution and may not run concurrently from two threads; with a scratchpad passed in per
// call the primitive is immutable (so one cached primitive serves every thread) and the buffer
// comes from the caching allocator, which hands back the same block each training step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.h"
#include "core/tensor.h"
#include "kernels/plan_cache.h"

namespace revive::kernels::onednn {

using dnnl::memory;
using Tag = memory::format_tag;

const dnnl::engine& engine();
// One stream per thread: a dnnl::stream is not meant to be shared between threads.
dnnl::stream& stream();

// The descriptor of a float32 [N, C, H, W] activation stored in `layout` (nchw, nChw8c, nChw16c).
memory::desc activation_desc(const Shape& shape, Layout layout);
// The revive layout a 4-D float32 descriptor is in, or nullopt when it is none of them.
std::optional<Layout> layout_of(const memory::desc& md);
// The descriptor of a plain row-major float32 tensor of any rank.
memory::desc plain_desc(const Shape& shape);
memory::desc any_desc(const Shape& shape);

// A memory object over an existing buffer (no copy; oneDNN never frees it).
memory wrap(const memory::desc& md, const void* data);
// A buffer large enough for md, from the caching allocator (the tensor owns it).
Tensor buffer_for(const memory::desc& md);

// oneDNN splits a primitive's work for the threads OpenMP reports when the primitive is made and
// waits for all of them at its barriers; inside a parallel region (where a nested region gets one
// thread) a primitive made at top level waits forever. So plans are made and cached per team
// (PlanCache below) and run in their team's scope (execute); callers use neither of these two.
// The team of the calling thread: 1 inside a parallel region, 0 outside (the process's threads).
int64_t plan_team();
// Tells oneDNN of a team of one while it lives inside a parallel region; does nothing outside.
class TeamScope {
 public:
  TeamScope();
  ~TeamScope();
  TeamScope(const TeamScope&) = delete;
  TeamScope& operator=(const TeamScope&) = delete;

 private:
  int saved_threads_ = 0;  // > 0: restore omp_set_num_threads(saved) on leaving
};

// Attributes every cached primitive is built with: user-managed scratchpad (see the top comment).
dnnl::primitive_attr default_attr();

// Executes a primitive built with default_attr(): adds its scratchpad and waits for completion.
void execute(const dnnl::primitive& prim, const dnnl::primitive_desc_base& pd,
             std::unordered_map<int, memory> args);

// A cached reorder between two descriptors; with `accumulate`, to += reorder(from). Equal
// descriptors without accumulation make an identity that moves no data.
class Reorder {
 public:
  Reorder() = default;
  Reorder(const memory::desc& from, const memory::desc& to, bool accumulate = false);
  bool identity() const { return !prim_; }
  // Not for an identity: callers write straight into the destination instead.
  void run(const void* from, void* to) const;
  // t's data in the destination format: t's own buffer when nothing needs moving, else a buffer
  // allocated into `holder` that receives the reordered copy.
  const void* convert(const Tensor& t, Tensor& holder) const;

 private:
  memory::desc from_, to_;
  dnnl::reorder::primitive_desc pd_;
  dnnl::reorder prim_;
};

[[noreturn]] void throw_error(const char* what, const dnnl::error& e);

// Runs fn, turning a dnnl::error into a revive::Error that names the operation.
template <class Fn>
auto guarded(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const dnnl::error& e) {
    throw_error(what, e);
  }
}

using kernels::PlanKey;

// Primitives and their reorders are built once per key (shape, parameters, layouts) and shared
// by all threads (kernels/plan_cache.h). The team (plan_team) joins every key and the plan is
// made in that team's scope, so a plan made at top level is never run inside a parallel region.
template <class Plan>
class PlanCache {
 public:
  template <class Make>
  std::shared_ptr<const Plan> get(PlanKey key, Make&& make) {
    key.push_back(plan_team());
    return plans_.get(key, [&] {
      const TeamScope team;
      return make();
    });
  }

 private:
  kernels::PlanCache<Plan> plans_;
};

}  // namespace revive::kernels::onednn
