// DataLoader: turns a Dataset into float batches, one epoch at a time.
//
// Reproducibility (ARCHITECTURE.md decision 6). Every random choice is a pure function of
// (seed, epoch, position), never of thread timing or of earlier epochs:
//   - the sample order of epoch e is a Fisher-Yates shuffle drawn from Rng(seed, shuffle stream of e);
//   - the augmentation of the sample at position p of epoch e draws from Rng(seed, augment stream of
//     (e, p)), where p is the position in the epoch's order, not the dataset index.
// So start_epoch(e) on a fresh loader resumes a run exactly, and the background and synchronous
// modes yield identical batches.
//
// Double buffering. With `background` on, a worker thread builds batch b+1 while the caller uses
// batch b. Each batch is a fresh tensor from the caching allocator (cheap: the sizes repeat) rather
// than one of two recycled buffers, because the caller may keep a batch alive (autograd saves its
// input); at most two batches are in flight at once. An exception thrown while building a batch is
// re-thrown by the next() call that would have returned it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/tensor.h"
#include "data/dataset.h"
#include "data/transforms.h"

namespace revive {

struct Batch {
  Tensor images;  // float32 [B, C, H, W], plain layout, on the CPU
  Tensor labels;  // int64 [B]
};

struct LoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;
  TransformOptions transform;
  uint64_t seed = 0;
  bool drop_last = false;  // drop the final batch when it is smaller than batch_size
  bool background = true;  // build the next batch on a worker thread
};

class DataLoader {
 public:
  // `data` must outlive the loader. Throws revive::Error on a non-positive batch size or transform
  // options that do not fit the dataset.
  DataLoader(const Dataset& data, const LoaderOptions& opts);
  DataLoader(const Dataset& data, int64_t batch_size, bool shuffle, const TransformOptions& transform, uint64_t seed,
             bool drop_last = false);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Begins epoch `epoch` (in [0, 2^24)) at batch `first_batch` (0: its start; a resumed run starts
  // where it stopped), discarding any batch in flight. Batches are the same whatever the start.
  void start_epoch(int epoch, int64_t first_batch = 0);
  // The next batch of the current epoch into `out`; false when the epoch is exhausted. After a
  // batch fails (the exception is re-thrown here), call start_epoch before asking again.
  bool next(Batch& out);
  int64_t batches_per_epoch() const;
  int64_t batch_size() const { return opts_.batch_size; }
  int epoch() const { return epoch_; }

 private:
  Batch make_batch(int64_t index) const;
  void worker_loop();

  const Dataset& data_;
  LoaderOptions opts_;
  SampleTransform transform_;

  // Written by start_epoch only while the worker is idle; read by the worker while it builds.
  int epoch_ = -1;
  std::vector<int64_t> order_;

  int64_t next_index_ = 0;  // consumer side: the batch next() returns next
  bool failed_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  int64_t requested_ = -1;  // batch the worker should build; -1: none
  bool busy_ = false;
  bool stop_ = false;
  std::optional<Batch> ready_;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace revive
