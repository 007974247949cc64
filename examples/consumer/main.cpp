// A program built against an installed revive (find_package(revive), revive::revive): the small
// CNN of the CLI, one SGD step on a seeded synthetic batch, then one Weight Evolution step on its
// weights with four filters nearly dead; prints one line. CI builds and runs it against `cmake --install` of the main build.
#include <revive/core/autograd.h>
#include <revive/core/rng.h>
#include <revive/core/tensor.h>
#include <revive/nn/functional.h>
#include <revive/nn/models/registry.h>
#include <revive/nn/parameter_arena.h>
#include <revive/optim/sgd.h>
#include <revive/reactivation/we/we_options.h>
#include <revive/reactivation/we/we_reactivator.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

int main() {
  using namespace revive;
  try {
    std::unique_ptr<nn::Module> model = nn::models::make_model("cnn", /*in_channels=*/1, /*num_classes=*/10);
    nn::ParameterArena arena = nn::ParameterArena::build(*model, Device::cpu(), /*seed=*/1);

    const int64_t batch = 16;
    Rng rng(/*seed=*/7, /*stream=*/0);
    std::vector<float> pixels(batch * 28 * 28);
    for (float& p : pixels) p = rng.normal();
    std::vector<int64_t> classes(batch);
    for (int64_t& c : classes) c = static_cast<int64_t>(rng.below(10));
    const Tensor images = Tensor::from_vector(pixels, {batch, 1, 28, 28});
    const Tensor labels = Tensor::from_vector(classes, {batch});

    optim::SgdOptions so;
    so.lr = 0.05;
    so.momentum = 0.9;
    optim::SgdOptimizer sgd(so, arena.params());
    model->train();
    arena.zero_grad();
    Tensor loss = F::softmax_cross_entropy(model->forward(images), labels);
    const float loss_before = loss.item();
    loss.backward();
    Tensor params = arena.params();
    sgd.step(params, arena.grads(), static_cast<float>(so.lr));

    // Four filters of conv2 nearly dead, for Weight Evolution to find and blend with strong ones.
    const nn::ArenaEntry& conv2 = arena.entry("conv2.weight");
    const int64_t filter_len = conv2.numel / conv2.shape[0];
    float* w = arena.params().data<float>() + conv2.offset;
    for (int64_t i = 0; i < 4 * filter_len; ++i) w[i] *= 1e-3f;

    WeReactivator we(parse_we_options("reference", {}, {}));  // as the published code behaves
    ReactivationContext ctx;
    ctx.epoch = 10;
    ctx.total_epochs = 20;
    nlohmann::json report;
    {
      NoGradGuard no_grad;
      we.apply_one(ctx, *model, arena, report);
    }
    const int64_t pairs = report["pools"]["conv"]["pairs"].get<int64_t>();
    std::printf("revive %s consumer: cnn with %lld parameters, loss %.4f, one SGD step, then a WE step blending "
                "%lld conv filters\n",
                REVIVE_VERSION, static_cast<long long>(arena.n_elements()), loss_before, static_cast<long long>(pairs));
    if (pairs < 4) {
      std::fprintf(stderr, "revive_consumer: the step should have blended the four near-dead filters\n");
      return 1;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "revive_consumer: %s\n", e.what());
    return 1;
  }
  return 0;
}
