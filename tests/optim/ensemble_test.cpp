// The ensemble of networks: one network's ensemble is that network, and the average of softmax
// outputs is what decides a sample.
#include "optim/ensemble.h"

#include <gtest/gtest.h>

#include "support/tiny_run.h"

namespace revive {
namespace {

TEST(Ensemble, OfOneNetworkIsThatNetwork) {
  testing::TinyRun s(1, 0.05, 8);
  s.trainer(testing::quiet_trainer_options(1)).fit();
  const EvalResult single = evaluate(*s.model, *s.run->test);
  const EvalResult ensemble = evaluate_ensemble({s.model}, *s.run->test);
  EXPECT_EQ(ensemble.n_samples, single.n_samples);
  EXPECT_EQ(ensemble.accuracy, single.accuracy);
  EXPECT_NEAR(ensemble.loss, single.loss, 1e-5 * single.loss);
}

TEST(Ensemble, AveragesTheNetworksProbabilities) {
  RunConfig c = testing::tiny_run_config(1, 0.05, 9);
  c.models = 2;
  testing::TinyRun s(c);
  s.trainer(testing::quiet_trainer_options(1)).fit();
  std::vector<nn::Module*> both{s.run->networks[0].model.get(), s.run->networks[1].model.get()};
  const EvalResult e = evaluate_ensemble(both, *s.run->test);
  const EvalResult a = evaluate(*both[0], *s.run->test), b = evaluate(*both[1], *s.run->test);
  EXPECT_EQ(e.n_samples, 256);
  // Averaged probabilities: the loss lies at or below the mean of the two losses (log is concave).
  EXPECT_LE(e.loss, 0.5 * (a.loss + b.loss) + 1e-9);
  EXPECT_GT(e.accuracy, 0.25);
  EXPECT_THROW(evaluate_ensemble({}, *s.run->test), Error);
}

}  // namespace
}  // namespace revive
