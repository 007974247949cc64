#include "optim/ensemble.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "kernels/batch_upload.h"

namespace revive {

EvalResult evaluate_ensemble(const std::vector<nn::Module*>& models, DataLoader& loader) {
  REVIVE_CHECK(!models.empty(), "an ensemble needs at least one model");
  NoGradGuard no_grad;
  for (nn::Module* m : models) m->eval();
  const Device device = models.front()->named_parameters().front().second->value().device();
  std::unique_ptr<kernels::BatchUploader> uploader;
  if (device.is_cuda()) uploader = kernels::make_batch_uploader(device);
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  std::vector<double> prob;
  loader.start_epoch(0);
  Batch host;
  while (loader.next(host)) {
    Tensor images = host.images;
    if (uploader) images = uploader->upload({host.images})[0];
    const int64_t n = host.labels.numel();
    for (size_t k = 0; k < models.size(); ++k) {
      const Tensor logits = models[k]->forward(images).to(Device::cpu());
      const int64_t classes = logits.dim(1);
      if (k == 0) prob.assign(static_cast<size_t>(n * classes), 0.0);
      const float* z = logits.data<float>();
      for (int64_t i = 0; i < n; ++i) {
        const float* row = z + i * classes;
        const double top = *std::max_element(row, row + classes);
        double sum = 0;
        for (int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(row[c]) - top);
        for (int64_t c = 0; c < classes; ++c) {
          prob[static_cast<size_t>(i * classes + c)] +=
              std::exp(static_cast<double>(row[c]) - top) / sum / static_cast<double>(models.size());
        }
      }
    }
    const int64_t classes = static_cast<int64_t>(prob.size()) / std::max<int64_t>(n, 1);
    const int64_t* labels = host.labels.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      const double* p = prob.data() + i * classes;
      const int64_t best = std::max_element(p, p + classes) - p;
      correct += best == labels[i];
      loss_sum -= std::log(std::max(p[labels[i]], 1e-300));
    }
    r.n_samples += n;
  }
  if (r.n_samples > 0) {
    r.loss = loss_sum / static_cast<double>(r.n_samples);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.n_samples);
  }
  return r;
}

}  // namespace revive
