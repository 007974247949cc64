#include "data/loader.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"

namespace revive {
namespace {

// Rng stream ids: an 8-bit tag, then the epoch (24 bits) and the position (32 bits), so no two
// (purpose, epoch, position) share a stream, nor collide with other users of the run seed.
constexpr uint64_t kShuffleTag = 0x5Full, kAugmentTag = 0xA6ull;
constexpr int64_t kMaxEpochs = int64_t{1} << 24;
constexpr int64_t kMaxSamples = int64_t{1} << 32;

uint64_t loader_stream(uint64_t tag, int epoch, int64_t position) {
  return (tag << 56) | (static_cast<uint64_t>(epoch) << 32) | static_cast<uint64_t>(position);
}

}  // namespace

DataLoader::DataLoader(const Dataset& data, const LoaderOptions& opts)
    : data_(data), opts_(opts), transform_(opts.transform, data.channels(), data.height(), data.width()) {
  REVIVE_CHECK(opts.batch_size > 0, "DataLoader: batch_size " << opts.batch_size << " must be > 0");
  REVIVE_CHECK(data.size() <= kMaxSamples, "DataLoader: dataset '" << data.name() << "' has " << data.size()
                                                                   << " samples, at most " << kMaxSamples
                                                                   << " supported");
  if (opts_.background) worker_ = std::thread([this] { worker_loop(); });
}

DataLoader::DataLoader(const Dataset& data, int64_t batch_size, bool shuffle, const TransformOptions& transform,
                       uint64_t seed, bool drop_last)
    : DataLoader(data, LoaderOptions{batch_size, shuffle, transform, seed, drop_last, true}) {}

DataLoader::~DataLoader() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = data_.size(), b = opts_.batch_size;
  return opts_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::start_epoch(int epoch, int64_t first_batch) {
  REVIVE_CHECK(epoch >= 0 && epoch < kMaxEpochs,
               "DataLoader: epoch " << epoch << " must be in [0, " << kMaxEpochs << ")");
  REVIVE_CHECK(first_batch >= 0 && first_batch <= batches_per_epoch(),
               "DataLoader: first batch " << first_batch << " outside [0, " << batches_per_epoch() << "]");
  std::unique_lock<std::mutex> lock(mu_);
  requested_ = -1;
  cv_.wait(lock, [this] { return !busy_; });
  ready_.reset();
  error_ = nullptr;

  epoch_ = epoch;
  order_.resize(static_cast<size_t>(data_.size()));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  if (opts_.shuffle) {
    Rng rng(opts_.seed, loader_stream(kShuffleTag, epoch, 0));
    for (int64_t i = data_.size() - 1; i > 0; --i) {
      std::swap(order_[i], order_[static_cast<size_t>(rng.below(static_cast<uint64_t>(i) + 1))]);
    }
  }
  next_index_ = first_batch;
  failed_ = false;
  if (opts_.background && first_batch < batches_per_epoch()) {
    requested_ = first_batch;
    cv_.notify_all();
  }
}

bool DataLoader::next(Batch& out) {
  REVIVE_CHECK(epoch_ >= 0, "DataLoader::next called before start_epoch");
  REVIVE_CHECK(!failed_,
               "DataLoader::next: the previous batch of epoch " << epoch_ << " failed; call start_epoch to restart");
  if (next_index_ >= batches_per_epoch()) return false;
  if (!opts_.background) {
    try {
      out = make_batch(next_index_);
    } catch (...) {
      failed_ = true;
      throw;
    }
    ++next_index_;
    return true;
  }

  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return ready_.has_value() || error_ != nullptr; });
  if (error_) {
    failed_ = true;
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
  out = std::move(*ready_);
  ready_.reset();
  ++next_index_;
  if (next_index_ < batches_per_epoch()) {
    requested_ = next_index_;
    cv_.notify_all();
  }
  return true;
}

Batch DataLoader::make_batch(int64_t index) const {
  const int64_t begin = index * opts_.batch_size;
  const int64_t count = std::min(opts_.batch_size, data_.size() - begin);
  const int64_t numel = data_.sample_numel();
  Batch b{Tensor::empty({count, data_.channels(), data_.height(), data_.width()}),
          Tensor::empty({count}, DType::kInt64)};
  float* images = b.images.data<float>();
  int64_t* labels = b.labels.data<int64_t>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t position = begin + i;
    const int64_t sample = order_[static_cast<size_t>(position)];
    Rng rng(opts_.seed, loader_stream(kAugmentTag, epoch_, position));
    transform_(data_.image(sample), rng, images + i * numel);
    labels[i] = data_.label(sample);
  }
  return b;
}

void DataLoader::worker_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || requested_ >= 0; });
    if (stop_) return;
    const int64_t index = requested_;
    requested_ = -1;
    busy_ = true;
    lock.unlock();

    std::optional<Batch> batch;
    std::exception_ptr error;
    try {
      batch = make_batch(index);
    } catch (...) {
      error = std::current_exception();
    }

    lock.lock();
    busy_ = false;
    if (error) {
      error_ = error;
    } else {
      ready_ = std::move(batch);
    }
    cv_.notify_all();
  }
}

}  // namespace revive
