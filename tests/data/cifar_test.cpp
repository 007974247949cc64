#include "data/cifar.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"

namespace revive {
namespace {

using testing::expect_error;
using testing::TempDir;

constexpr size_t kPixels = 3072;

// Record r of a file: label bytes, then pixels whose value encodes (file_tag, r, k).
std::vector<uint8_t> cifar_file(const std::vector<std::vector<uint8_t>>& labels_per_record, int file_tag) {
  std::vector<uint8_t> out;
  for (size_t r = 0; r < labels_per_record.size(); ++r) {
    out.insert(out.end(), labels_per_record[r].begin(), labels_per_record[r].end());
    for (size_t k = 0; k < kPixels; ++k) out.push_back(static_cast<uint8_t>(file_tag * 50 + r * 7 + k));
  }
  return out;
}

void write_cifar10(const std::string& dir) {
  for (int b = 1; b <= 5; ++b) {
    testing::write_file(dir + "/data_batch_" + std::to_string(b) + ".bin", cifar_file({{uint8_t(b)}, {0}}, b));
  }
  testing::write_file(dir + "/test_batch.bin", cifar_file({{9}, {3}, {7}}, 0));
}

TEST(Cifar10, ReadsTheFiveBatchesInOrderAndTheTestBatch) {
  TempDir dir;
  write_cifar10(dir.path());
  const DatasetSplits s = load_cifar10(dir.path());
  EXPECT_EQ(s.train.name(), "cifar10");
  EXPECT_EQ(s.train.num_classes(), 10);
  EXPECT_EQ(s.train.channels(), 3);
  EXPECT_EQ(s.train.height(), 32);
  EXPECT_EQ(s.train.width(), 32);
  EXPECT_EQ(s.train.labels(), (std::vector<int64_t>{1, 0, 2, 0, 3, 0, 4, 0, 5, 0}));
  EXPECT_EQ(s.test.labels(), (std::vector<int64_t>{9, 3, 7}));
  // Sample 5 is record 1 of data_batch_3: the pixels follow the label byte unchanged (already CHW).
  for (size_t k : {size_t{0}, size_t{1023}, size_t{1024}, size_t{3071}}) {
    EXPECT_EQ(s.train.image(5)[k], static_cast<uint8_t>(3 * 50 + 7 + k)) << k;
  }
  EXPECT_EQ(s.test.image(2)[100], static_cast<uint8_t>(14 + 100));
}

TEST(Cifar10, FindsTheUnpackedArchiveFolder) {
  TempDir dir;
  write_cifar10(dir.file("cifar-10-batches-bin"));
  EXPECT_EQ(load_cifar10(dir.path()).test.size(), 3);
}

TEST(Cifar10, TruncatedFileSaysRecordSize) {
  TempDir dir;
  write_cifar10(dir.path());
  std::vector<uint8_t> bytes = cifar_file({{1}, {2}}, 1);
  bytes.resize(bytes.size() - 100);
  testing::write_file(dir.file("data_batch_2.bin"), bytes);
  expect_error([&] { load_cifar10(dir.path()); },
               {dir.file("data_batch_2.bin"), "truncated", "3073-byte record", "1 whole records and 2973 stray"});
  testing::write_file(dir.file("data_batch_2.bin"), {});
  expect_error([&] { load_cifar10(dir.path()); }, {dir.file("data_batch_2.bin"), "truncated"});
}

TEST(Cifar10, LabelOutOfRangeNamesFileAndRecord) {
  TempDir dir;
  write_cifar10(dir.path());
  testing::write_file(dir.file("test_batch.bin"), cifar_file({{0}, {10}}, 0));
  expect_error([&] { load_cifar10(dir.path()); }, {dir.file("test_batch.bin"), "label 10", "record 1", "[0, 10)"});
}

TEST(Cifar10, MissingFilesAreNamed) {
  TempDir dir;
  expect_error([&] { load_cifar10(dir.path()); },
               {dir.file("data_batch_1.bin"), "cifar-10-batches-bin", "cifar-10-binary.tar.gz", "--data-dir"});
  write_cifar10(dir.path());
  std::filesystem::remove(dir.file("data_batch_4.bin"));
  expect_error([&] { load_cifar10(dir.path()); }, {"not found", dir.file("data_batch_4.bin")});
}

TEST(Cifar, ParsesABatchInMemory) {
  const std::vector<uint8_t> bytes = cifar_file({{4, 77}, {19, 3}}, 2);
  const Dataset d = parse_cifar_batch(std::string(bytes.begin(), bytes.end()), "mem.bin", CifarVariant::k100);
  EXPECT_EQ(d.labels(), (std::vector<int64_t>{77, 3}));
  EXPECT_EQ(d.num_classes(), 100);
  EXPECT_EQ(d.image(1)[0], bytes[3074 + 2]);
  expect_error([&] { parse_cifar_batch(std::string(bytes.begin(), bytes.end()), "mem.bin", CifarVariant::k10); },
               {"CIFAR-10 file mem.bin is truncated", "3073-byte record"});
}

TEST(Cifar100, UsesTheFineLabel) {
  TempDir dir;
  testing::write_file(dir.file("train.bin"), cifar_file({{19, 99}, {0, 0}, {3, 42}}, 1));
  testing::write_file(dir.file("test.bin"), cifar_file({{5, 57}}, 2));
  const DatasetSplits s = load_cifar100(dir.path());
  EXPECT_EQ(s.train.name(), "cifar100");
  EXPECT_EQ(s.train.num_classes(), 100);
  EXPECT_EQ(s.train.labels(), (std::vector<int64_t>{99, 0, 42}));
  EXPECT_EQ(s.test.labels(), (std::vector<int64_t>{57}));
  EXPECT_EQ(s.train.image(2)[0], static_cast<uint8_t>(50 + 14));  // after both label bytes
}

TEST(Cifar100, HostileFiles) {
  TempDir dir;
  testing::write_file(dir.file("test.bin"), cifar_file({{5, 57}}, 2));
  testing::write_file(dir.file("train.bin"), cifar_file({{1, 100}}, 1));
  expect_error([&] { load_cifar100(dir.path()); }, {dir.file("train.bin"), "fine label 100", "[0, 100)"});
  testing::write_file(dir.file("train.bin"), cifar_file({{20, 5}}, 1));
  expect_error([&] { load_cifar100(dir.path()); }, {"coarse label 20", "[0, 20)"});
  // A CIFAR-10 file is one byte short per record: not a whole number of 3074-byte records.
  testing::write_file(dir.file("train.bin"), cifar_file({{1}, {2}}, 1));
  expect_error([&] { load_cifar100(dir.path()); }, {"truncated", "3074-byte record"});
  std::filesystem::remove(dir.file("train.bin"));
  expect_error([&] { load_cifar100(dir.path()); }, {dir.file("train.bin"), "cifar-100-binary"});
}

}  // namespace
}  // namespace revive
