// IDX files, the format of MNIST and Fashion-MNIST: a big-endian uint32 magic 0x000008DD (0x08 =
// unsigned bytes, DD = number of dimensions: 0x803 for images [N, H, W], 0x801 for labels [N]),
// DD big-endian uint32 dimensions, then the bytes in row-major order. Files may be gzip-compressed
// (.gz) or plain; zlib reads both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace revive {

// Where Debian's dataset-fashion-mnist package installs the files.
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// Largest payload read_idx accepts (2 GiB, forty times the Fashion-MNIST training images): a larger
// product of dimensions means a corrupt or hostile header.
constexpr uint64_t kIdxMaxBytes = uint64_t{1} << 31;

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // product(dims) bytes
};

// Reads an unsigned-byte IDX file with `ndim` dimensions. Throws revive::Error naming the file when
// it is missing, its magic is not 0x00000800 + ndim, the dimensions exceed kIdxMaxBytes, or the data
// is shorter or longer than the dimensions say.
IdxArray read_idx(const std::string& path, int ndim);
// The same from the file's bytes (plain or gzip) in memory; `origin` names them in errors.
IdxArray parse_idx(const std::string& bytes, const std::string& origin, int ndim);

// One split from an images file [N, H, W] and a labels file [N]: a 1xHxW dataset. Throws when the
// counts differ or a label is outside [0, num_classes).
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path, const std::string& name,
                         int num_classes);

// Fashion-MNIST from `dir` (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each with or without .gz): 60000 + 10000 images, 1x28x28, 10 classes.
DatasetSplits load_fashion_mnist(const std::string& dir = kFashionMnistDir);

}  // namespace revive
