#include "kernels/cpu/onednn_context.h"

#include <oneapi/dnnl/dnnl_debug.h>
#include <omp.h>

namespace revive::kernels::onednn {

const dnnl::engine& engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

namespace {

Tag activation_tag(Layout layout) {
  switch (layout) {
    case Layout::kPlain: return Tag::nchw;
    case Layout::kBlocked8: return Tag::nChw8c;
    case Layout::kBlocked16: return Tag::nChw16c;
  }
  REVIVE_THROW("unknown layout " << static_cast<int>(layout));
}

}  // namespace

memory::desc activation_desc(const Shape& shape, Layout layout) {
  REVIVE_CHECK(shape.size() == 4, "an activation descriptor needs an NCHW shape, got " << shape_str(shape));
  return memory::desc(memory::dims(shape.begin(), shape.end()), memory::data_type::f32, activation_tag(layout));
}

std::optional<Layout> layout_of(const memory::desc& md) {
  if (md.data.ndims != 4 || md.data_type() != memory::data_type::f32) return std::nullopt;
  const memory::dims dims = md.dims();
  const Shape shape(dims.begin(), dims.end());
  for (Layout l : {Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16}) {
    if (md == activation_desc(shape, l)) return l;
  }
  return std::nullopt;
}

memory::desc plain_desc(const Shape& shape) {
  memory::dims strides(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = acc;
    acc *= shape[i];
  }
  return memory::desc(memory::dims(shape.begin(), shape.end()), memory::data_type::f32, strides);
}

memory::desc any_desc(const Shape& shape) {
  return memory::desc(memory::dims(shape.begin(), shape.end()), memory::data_type::f32, Tag::any);
}

memory wrap(const memory::desc& md, const void* data) {
  // oneDNN takes a non-const handle for inputs too; it does not write through input arguments.
  return memory(md, engine(), const_cast<void*>(data));
}

Tensor buffer_for(const memory::desc& md) {
  const int64_t n_floats = static_cast<int64_t>((md.get_size() + sizeof(float) - 1) / sizeof(float));
  return Tensor::empty({n_floats});
}

dnnl::primitive_attr default_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

int64_t plan_team() { return omp_in_parallel() ? 1 : 0; }

TeamScope::TeamScope() {
  if (!omp_in_parallel()) return;
  saved_threads_ = omp_get_max_threads();
  omp_set_num_threads(1);  // this thread's setting only: the enclosing team is untouched
}

TeamScope::~TeamScope() {
  if (saved_threads_ > 0) omp_set_num_threads(saved_threads_);
}

void execute(const dnnl::primitive& prim, const dnnl::primitive_desc_base& pd,
             std::unordered_map<int, memory> args) {
  const TeamScope team;
  const memory::desc scratch_md = pd.scratchpad_desc();
  Tensor scratch;
  if (scratch_md.get_size() > 0) {
    scratch = buffer_for(scratch_md);
    args.emplace(DNNL_ARG_SCRATCHPAD, wrap(scratch_md, scratch.raw_data()));
  }
  dnnl::stream& s = stream();
  prim.execute(s, args);
  s.wait();
}

Reorder::Reorder(const memory::desc& from, const memory::desc& to, bool accumulate) : from_(from), to_(to) {
  if (from == to && !accumulate) return;
  dnnl::primitive_attr attr = default_attr();
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  pd_ = dnnl::reorder::primitive_desc(engine(), from, engine(), to, attr);
  prim_ = dnnl::reorder(pd_);
}

void Reorder::run(const void* from, void* to) const {
  execute(prim_, pd_, {{DNNL_ARG_FROM, wrap(from_, from)}, {DNNL_ARG_TO, wrap(to_, to)}});
}

const void* Reorder::convert(const Tensor& t, Tensor& holder) const {
  if (identity()) return t.raw_data();
  holder = buffer_for(to_);
  run(t.raw_data(), holder.raw_data());
  return holder.raw_data();
}

void throw_error(const char* what, const dnnl::error& e) {
  REVIVE_THROW("oneDNN failed in " << what << ": " << e.what() << " (status " << dnnl_status2str(e.status) << ")");
}

}  // namespace revive::kernels::onednn
