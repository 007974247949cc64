// The pinned, asynchronous batch upload: every upload arrives intact, the tensors of the previous
// upload stay valid while the next one is copied (the two-slot contract), and batches may change
// size (the last batch of an epoch is smaller) and dtype.
#include "kernels/batch_upload.h"

#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"
#include "kernels/relu.h"

namespace revive::kernels {
namespace {

TEST(CudaBatchUpload, UploadsArriveIntactAcrossSlotsAndSizes) {
  REVIVE_SKIP_WITHOUT_CUDA();
  auto uploader = make_batch_uploader(Device::cuda());
  std::vector<Tensor> previous_host, previous_device;
  unsigned seed = 1;
  for (int64_t batch : {128, 128, 57, 200, 1, 0, 128}) {
    const Tensor images = testing::random_tensor({batch, 3, 8, 8}, seed++);
    std::vector<int64_t> l(static_cast<size_t>(batch));
    for (int64_t i = 0; i < batch; ++i) l[static_cast<size_t>(i)] = (i * 7 + seed) % 10;
    const Tensor labels = Tensor::from_vector(l, {batch});
    const std::vector<Tensor> d = uploader->upload({images, labels});
    ASSERT_EQ(d.size(), 2u);
    EXPECT_TRUE(d[0].device().is_cuda());
    EXPECT_EQ(d[1].dtype(), DType::kInt64);
    // Kernels queued after the upload read the batch (the compute stream waits for the copy).
    EXPECT_ALLCLOSE(relu_forward(images), relu_forward(d[0]), 0.0, 0.0) << batch;
    EXPECT_EQ(d[1].to_vector<int64_t>(), l);
    if (!previous_device.empty()) {
      EXPECT_ALLCLOSE(previous_host[0], previous_device[0], 0.0, 0.0) << "the previous upload was overwritten";
    }
    previous_host = {images, labels};
    previous_device = d;
  }
}

}  // namespace
}  // namespace revive::kernels
