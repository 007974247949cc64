// The ensemble of a run's networks (methods that train N side by side): the test loss and accuracy
// of the average of their softmax outputs, as FG's paper reports beside the best single network.
#pragma once

#include <vector>

#include "data/loader.h"
#include "nn/module.h"
#include "optim/trainer.h"

namespace revive {

// Every model in eval mode, under no-grad, over one pass of `loader`; the averaged probabilities
// are formed on the host in double precision (a few classes per sample: cheap against the
// forward passes). Loss: mean negative log of the averaged probability of the label.
EvalResult evaluate_ensemble(const std::vector<nn::Module*>& models, DataLoader& loader);

}  // namespace revive
