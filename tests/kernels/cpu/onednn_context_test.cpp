// The shared oneDNN plumbing: layout <-> descriptor mapping, reorders (plain, accumulating,
// identity), error translation and the plan cache.
#include <gtest/gtest.h>

#include <omp.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cpu/onednn_context.h"
#include "kernels/layout.h"
#include "support/allclose.h"

namespace revive::kernels::onednn {
namespace {

TEST(OnednnContext, LayoutsMapToDescriptorsAndBack) {
  const Shape s{2, 5, 3, 4};
  for (Layout l : {Layout::kPlain, Layout::kBlocked8, Layout::kBlocked16}) {
    const memory::desc md = activation_desc(s, l);
    EXPECT_EQ(layout_of(md), l) << layout_name(l);
    // The descriptor spans exactly the tensor's physical buffer, channel padding included.
    EXPECT_EQ(md.get_size(), Tensor::empty(s, DType::kFloat32, Device::cpu(), l).nbytes());
  }
  EXPECT_EQ(layout_of(plain_desc({2, 5})), std::nullopt);
  EXPECT_EQ(layout_of(memory::desc({8, 8, 3, 3}, memory::data_type::f32, Tag::OIhw8i8o)), std::nullopt);
  EXPECT_THROW(activation_desc({2, 5}, Layout::kPlain), Error);
}

TEST(OnednnContext, ReorderConvertsLayoutsAndAccumulates) {
  const Shape s{1, 3, 2, 2};
  std::vector<float> v(12);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) - 4.0f;
  const Tensor plain = Tensor::from_vector<float>(v, s);

  const Reorder to_blocked(activation_desc(s, Layout::kPlain), activation_desc(s, Layout::kBlocked8));
  Tensor holder;
  const void* converted = to_blocked.convert(plain, holder);
  Tensor blocked = Tensor::empty(s, DType::kFloat32, Device::cpu(), Layout::kBlocked8);
  std::memcpy(blocked.raw_data(), converted, blocked.nbytes());
  EXPECT_ALLCLOSE(to_layout(plain, Layout::kBlocked8), blocked, 0.0, 0.0);

  const Reorder identity(activation_desc(s, Layout::kPlain), activation_desc(s, Layout::kPlain));
  EXPECT_TRUE(identity.identity());
  EXPECT_EQ(identity.convert(plain, holder), plain.raw_data());

  Tensor sum = plain.clone();
  Reorder(activation_desc(s, Layout::kBlocked8), activation_desc(s, Layout::kPlain), true)
      .run(blocked.raw_data(), sum.raw_data());
  std::vector<float> twice(v);
  for (float& x : twice) x *= 2;
  EXPECT_ALLCLOSE(twice, sum.to_vector<float>(), 0.0, 0.0);
}

TEST(OnednnContext, GuardedTurnsOnednnErrorsIntoReviveErrors) {
  try {
    guarded("a mismatched reorder", [] { Reorder(plain_desc({2, 3}), plain_desc({3, 2})); });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("oneDNN failed in a mismatched reorder"), std::string::npos) << e.what();
  }
}

TEST(OnednnContext, PlanCacheBuildsOncePerKey) {
  PlanCache<int> cache;
  int builds = 0;
  auto make = [&] { return ++builds; };
  const auto a = cache.get({1, 2, 3}, make);
  const auto b = cache.get({1, 2, 3}, make);
  const auto c = cache.get({1, 2, 4}, make);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(*c, 2);
  EXPECT_EQ(builds, 2);
}

TEST(OnednnContext, PlanCacheMakesPlansPerTeamInTheTeamsScope) {
  // A plan for the process's threads must not be run inside a parallel region, where oneDNN would
  // wait at its barriers for threads that never come: the cache keeps a plan per team and makes
  // the inner one while OpenMP tells of a team of one.
  PlanCache<int> cache;
  int builds = 0;
  auto make = [&] {
    ++builds;
    return omp_get_max_threads();
  };
  const auto top = cache.get({7}, make);
  std::vector<std::shared_ptr<const int>> inner(2);
  std::vector<int> threads_before(2, 0), threads_after(2, 0);
  int team_size = 0;
#pragma omp parallel num_threads(2)
  {
    const int t = omp_get_thread_num();
    if (t == 0) team_size = omp_get_num_threads();
    threads_before[t] = omp_get_max_threads();
    inner[t] = cache.get({7}, make);
    threads_after[t] = omp_get_max_threads();
  }
  if (team_size < 2) GTEST_SKIP() << "OpenMP gave the region one thread";
  EXPECT_EQ(builds, 2);
  EXPECT_NE(top.get(), inner[0].get());
  EXPECT_EQ(inner[1].get(), inner[0].get());
  EXPECT_EQ(*inner[0], 1);
  EXPECT_EQ(threads_after, threads_before);  // the scope gave back the thread's setting
}

}  // namespace
}  // namespace revive::kernels::onednn
