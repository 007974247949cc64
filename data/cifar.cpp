#include "data/cifar.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"

namespace revive {
namespace {

constexpr int64_t kCifarChannels = 3, kCifarSide = 32;
constexpr int64_t kCifarPixels = kCifarChannels * kCifarSide * kCifarSide;  // 3072
// The real files are 30 MB (CIFAR-10 batch) and 150 MB (CIFAR-100 train); a bigger one is not CIFAR.
constexpr uint64_t kCifarMaxFileBytes = uint64_t{1} << 30;

struct CifarFormat {
  std::string display_name;  // for messages
  std::string dataset_name;  // Dataset::name()
  std::string archive_subdir;
  std::string archive_name;
  std::vector<std::string> train_files, test_files;
  // One limit per label byte, in record order; the last label byte is the class.
  std::vector<int> label_limits;
  std::vector<std::string> label_names;
};

const CifarFormat& cifar10_format() {
  static const CifarFormat f{
      "CIFAR-10",
      "cifar10",
      "cifar-10-batches-bin",
      "cifar-10-binary.tar.gz",
      {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
      {"test_batch.bin"},
      {10},
      {"label"}};
  return f;
}

const CifarFormat& cifar100_format() {
  static const CifarFormat f{"CIFAR-100",   "cifar100",   "cifar-100-binary", "cifar-100-binary.tar.gz",
                             {"train.bin"}, {"test.bin"}, {20, 100},          {"coarse label", "fine label"}};
  return f;
}

// The folder holding the .bin files: dir itself, or the archive's folder inside it.
std::filesystem::path resolve_dir(const std::filesystem::path& dir, const CifarFormat& fmt) {
  const std::string& probe = fmt.train_files.front();
  if (std::filesystem::is_regular_file(dir / probe)) return dir;
  if (std::filesystem::is_regular_file(dir / fmt.archive_subdir / probe)) return dir / fmt.archive_subdir;
  REVIVE_THROW(fmt.display_name << " file not found: " << (dir / probe).string() << " (also looked in "
                                << (dir / fmt.archive_subdir).string() << "/). Download the binary version ("
                                << fmt.archive_name
                                << ") from https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and pass "
                                   "--data-dir to the folder holding "
                                << probe);
}

void check_size_limit(uint64_t size, const std::string& origin, const CifarFormat& fmt) {
  REVIVE_CHECK(size <= kCifarMaxFileBytes, fmt.display_name << " file " << origin << " is " << size
                                                            << " bytes, more than the " << kCifarMaxFileBytes
                                                            << "-byte limit: not a CIFAR binary file");
}

// Checks every record of one file's bytes and appends its images and class labels.
void append_records(const std::string& bytes, const std::string& origin, const CifarFormat& fmt,
                    std::vector<uint8_t>& images, std::vector<int64_t>& labels) {
  const uint64_t n_label_bytes = fmt.label_limits.size();
  const uint64_t record = n_label_bytes + kCifarPixels;
  const uint64_t size = bytes.size();
  check_size_limit(size, origin, fmt);
  REVIVE_CHECK(size > 0 && size % record == 0,
               fmt.display_name << " file " << origin << " is truncated: its size " << size
                                << " bytes is not a positive multiple of the " << record << "-byte record ("
                                << size / record << " whole records and " << size % record << " stray bytes)");
  const uint64_t n_records = size / record;
  images.reserve(images.size() + n_records * kCifarPixels);
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  for (uint64_t r = 0; r < n_records; ++r) {
    const uint8_t* rec = data + r * record;
    for (size_t k = 0; k < n_label_bytes; ++k) {
      REVIVE_CHECK(rec[k] < fmt.label_limits[k],
                   fmt.display_name << " file " << origin << ": " << fmt.label_names[k] << " " << int{rec[k]}
                                    << " of record " << r << " is outside [0, " << fmt.label_limits[k] << ")");
    }
    labels.push_back(rec[n_label_bytes - 1]);
    images.insert(images.end(), rec + n_label_bytes, rec + record);
  }
}

void append_file(const std::filesystem::path& path, const CifarFormat& fmt, std::vector<uint8_t>& images,
                 std::vector<int64_t>& labels) {
  REVIVE_CHECK(std::filesystem::is_regular_file(path), fmt.display_name << " file not found: " << path.string());
  // Checked before reading, so a huge file is refused without being loaded.
  const uint64_t size = std::filesystem::file_size(path);
  check_size_limit(size, path.string(), fmt);
  std::string bytes(static_cast<size_t>(size), '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  REVIVE_CHECK(in.gcount() == static_cast<std::streamsize>(size),
               "cannot read " << fmt.display_name << " file " << path.string() << ": expected " << size
                              << " bytes, got " << in.gcount());
  append_records(bytes, path.string(), fmt, images, labels);
}

Dataset make_dataset(const CifarFormat& fmt, std::vector<uint8_t> images, std::vector<int64_t> labels) {
  return Dataset(fmt.dataset_name, kCifarChannels, kCifarSide, kCifarSide, fmt.label_limits.back(), std::move(images),
                 std::move(labels));
}

Dataset load_split(const std::filesystem::path& dir, const CifarFormat& fmt, const std::vector<std::string>& files) {
  std::vector<uint8_t> images;
  std::vector<int64_t> labels;
  for (const std::string& f : files) append_file(dir / f, fmt, images, labels);
  return make_dataset(fmt, std::move(images), std::move(labels));
}

DatasetSplits load_cifar(const std::string& dir, const CifarFormat& fmt) {
  const std::filesystem::path root = resolve_dir(dir, fmt);
  return DatasetSplits{load_split(root, fmt, fmt.train_files), load_split(root, fmt, fmt.test_files)};
}

}  // namespace

Dataset parse_cifar_batch(const std::string& bytes, const std::string& origin, CifarVariant variant) {
  const CifarFormat& fmt = variant == CifarVariant::k10 ? cifar10_format() : cifar100_format();
  std::vector<uint8_t> images;
  std::vector<int64_t> labels;
  append_records(bytes, origin, fmt, images, labels);
  return make_dataset(fmt, std::move(images), std::move(labels));
}

DatasetSplits load_cifar10(const std::string& dir) { return load_cifar(dir, cifar10_format()); }

DatasetSplits load_cifar100(const std::string& dir) { return load_cifar(dir, cifar100_format()); }

}  // namespace revive
