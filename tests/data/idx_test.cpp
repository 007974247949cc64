#include "data/idx.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"
#include "data/transforms.h"

namespace revive {
namespace {

using testing::expect_error;
using testing::TempDir;

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// An unsigned-byte IDX file: magic 0x800 + ndim, dims, payload.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out;
  put_be32(out, 0x800u + static_cast<uint32_t>(dims.size()));
  for (uint32_t d : dims) put_be32(out, d);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<uint8_t> ramp(size_t n, int mul = 7) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * mul + 3);
  return v;
}

TEST(Idx, ReadsPlainAndGzipFiles) {
  TempDir dir;
  const std::vector<uint8_t> payload = ramp(3 * 2 * 4);
  testing::write_file(dir.file("a.idx"), idx_bytes({3, 2, 4}, payload));
  testing::write_gzip(dir.file("a.idx.gz"), idx_bytes({3, 2, 4}, payload));
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    const IdxArray a = read_idx(dir.file(name), 3);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 4})) << name;
    EXPECT_EQ(a.data, payload) << name;
  }
}

TEST(Idx, BuildsADatasetFromImagesAndLabels) {
  TempDir dir;
  const std::vector<uint8_t> pixels = ramp(5 * 3 * 2);
  testing::write_gzip(dir.file("img.gz"), idx_bytes({5, 3, 2}, pixels));
  testing::write_file(dir.file("lab"), idx_bytes({5}, {4, 0, 1, 4, 2}));
  const Dataset d = load_idx_dataset(dir.file("img.gz"), dir.file("lab"), "toy", 5);
  EXPECT_EQ(d.name(), "toy");
  EXPECT_EQ(d.size(), 5);
  EXPECT_EQ(d.channels(), 1);
  EXPECT_EQ(d.height(), 3);
  EXPECT_EQ(d.width(), 2);
  EXPECT_EQ(d.num_classes(), 5);
  EXPECT_EQ(d.labels(), (std::vector<int64_t>{4, 0, 1, 4, 2}));
  EXPECT_EQ(d.images(), pixels);
  EXPECT_EQ(d.image(2)[0], pixels[12]);
}

TEST(Idx, WrongMagicSaysFoundAndExpected) {
  TempDir dir;
  testing::write_file(dir.file("labels"), idx_bytes({4}, {1, 2, 3, 4}));
  expect_error([&] { read_idx(dir.file("labels"), 3); },
               {dir.file("labels"), "wrong magic", "found 0x00000801", "expected 0x00000803"});
  // A float IDX file (type byte 0x0D) is not accepted either.
  std::vector<uint8_t> floats = idx_bytes({1}, {0, 0, 0, 0});
  floats[2] = 0x0D;
  testing::write_file(dir.file("floats"), floats);
  expect_error([&] { read_idx(dir.file("floats"), 1); }, {"found 0x00000d01", "expected 0x00000801"});
}

TEST(Idx, TruncatedFilesSayExpectedAndGot) {
  TempDir dir;
  const std::vector<uint8_t> full = idx_bytes({4, 3, 3}, ramp(36));
  const std::vector<uint8_t> short_data(full.begin(), full.end() - 5);
  testing::write_file(dir.file("short"), short_data);
  testing::write_gzip(dir.file("short.gz"), short_data);
  for (const char* name : {"short", "short.gz"}) {
    expect_error([&] { read_idx(dir.file(name), 3); }, {dir.file(name), "truncated", "need 36 bytes", "got 31"});
  }
  testing::write_file(dir.file("header"), std::vector<uint8_t>(full.begin(), full.begin() + 10));
  expect_error([&] { read_idx(dir.file("header"), 3); }, {"truncated", "16-byte header", "got 10"});
  testing::write_file(dir.file("tiny"), {0, 0});
  expect_error([&] { read_idx(dir.file("tiny"), 3); }, {"truncated", "got 2"});
  testing::write_file(dir.file("empty"), {});
  expect_error([&] { read_idx(dir.file("empty"), 1); }, {"truncated", "got 0"});
}

TEST(Idx, CutGzipStreamIsTruncation) {
  TempDir dir;
  testing::write_gzip(dir.file("whole.gz"), idx_bytes({64, 8, 8}, ramp(64 * 64, 13)));
  std::vector<uint8_t> gz = testing::read_file(dir.file("whole.gz"));
  gz.resize(gz.size() / 2);
  testing::write_file(dir.file("cut.gz"), gz);
  expect_error([&] { read_idx(dir.file("cut.gz"), 3); }, {dir.file("cut.gz"), "truncated"});
}

TEST(Idx, CorruptGzipIsAnError) {
  TempDir dir;
  testing::write_gzip(dir.file("ok.gz"), idx_bytes({64, 8, 8}, ramp(64 * 64, 13)));
  std::vector<uint8_t> gz = testing::read_file(dir.file("ok.gz"));
  for (size_t i = 20; i < gz.size() - 8; i += 3) gz[i] ^= 0x5A;
  testing::write_file(dir.file("bad.gz"), gz);
  expect_error([&] { read_idx(dir.file("bad.gz"), 3); }, {dir.file("bad.gz")});
}

TEST(Idx, ExtraBytesAreRejected) {
  TempDir dir;
  std::vector<uint8_t> bytes = idx_bytes({2}, {1, 2});
  bytes.push_back(9);
  testing::write_file(dir.file("long"), bytes);
  expect_error([&] { read_idx(dir.file("long"), 1); }, {dir.file("long"), "bytes after the 2"});
}

TEST(Idx, AbsurdDimensionsAreRejectedWithoutOverflow) {
  TempDir dir;
  // 0xFFFFFFFF^3 wraps a 64-bit product; 100000^3 does not but is far beyond any dataset. Both
  // files are a few bytes long, and neither may trigger a huge allocation.
  testing::write_file(dir.file("wrap"), idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3}));
  testing::write_gzip(dir.file("big.gz"), idx_bytes({100000, 100000, 100000}, {1, 2, 3}));
  expect_error([&] { read_idx(dir.file("wrap"), 3); }, {dir.file("wrap"), "4294967295x4294967295", "limit"});
  expect_error([&] { read_idx(dir.file("big.gz"), 3); }, {dir.file("big.gz"), "100000x100000", "limit"});
  // No bytes at all, but sizes whose product other code would compute: still over the limit.
  testing::write_file(dir.file("zero"), idx_bytes({0, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}));
  expect_error([&] { read_idx(dir.file("zero"), 3); }, {dir.file("zero"), "0x4294967295x4294967295", "limit"});
  // Within the limit but far longer than the file: reported as truncation, not allocated.
  testing::write_file(dir.file("claims"), idx_bytes({1000, 1000, 1000}, {1, 2, 3}));
  expect_error([&] { read_idx(dir.file("claims"), 3); }, {"truncated", "need 1000000000 bytes", "got 3"});
}

TEST(Idx, ParsesBytesInMemory) {
  const std::vector<uint8_t> file = idx_bytes({2, 3}, ramp(6));
  const IdxArray a = parse_idx(std::string(file.begin(), file.end()), "mem", 2);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, ramp(6));
  expect_error([&] { parse_idx(std::string(file.begin(), file.end() - 1), "mem", 2); }, {"mem", "truncated"});
}

TEST(Idx, ReadsConcatenatedGzipMembersAndRejectsGarbageAfterThem) {
  TempDir dir;
  const std::vector<uint8_t> file = idx_bytes({4}, {1, 2, 3, 4});
  testing::write_gzip(dir.file("head.gz"), std::vector<uint8_t>(file.begin(), file.begin() + 6));
  testing::write_gzip(dir.file("tail.gz"), std::vector<uint8_t>(file.begin() + 6, file.end()));
  std::vector<uint8_t> two = testing::read_file(dir.file("head.gz"));
  const std::vector<uint8_t> tail = testing::read_file(dir.file("tail.gz"));
  two.insert(two.end(), tail.begin(), tail.end());
  EXPECT_EQ(parse_idx(std::string(two.begin(), two.end()), "two.gz", 1).data, (std::vector<uint8_t>{1, 2, 3, 4}));
  std::vector<uint8_t> garbage = testing::read_file(dir.file("head.gz"));
  garbage.insert(garbage.end(), {'j', 'u', 'n', 'k'});
  expect_error([&] { parse_idx(std::string(garbage.begin(), garbage.end()), "junk.gz", 1); },
               {"junk.gz", "the gzip data is corrupt"});
}

TEST(Idx, CountMismatchNamesBothFiles) {
  TempDir dir;
  testing::write_file(dir.file("img"), idx_bytes({5, 2, 2}, ramp(20)));
  testing::write_file(dir.file("lab"), idx_bytes({4}, {0, 1, 2, 3}));
  expect_error([&] { load_idx_dataset(dir.file("img"), dir.file("lab"), "toy", 10); },
               {dir.file("img"), dir.file("lab"), "5 images", "4 labels"});
}

TEST(Idx, EmptyImagesAreRejected) {
  TempDir dir;
  testing::write_file(dir.file("img"), idx_bytes({2, 0, 5}, {}));
  testing::write_file(dir.file("lab"), idx_bytes({2}, {0, 1}));
  expect_error([&] { load_idx_dataset(dir.file("img"), dir.file("lab"), "toy", 10); }, {dir.file("img"), "0x5 images"});
}

TEST(Idx, LabelOutOfRangeNamesFileAndSample) {
  TempDir dir;
  testing::write_file(dir.file("img"), idx_bytes({3, 2, 2}, ramp(12)));
  testing::write_file(dir.file("lab"), idx_bytes({3}, {0, 9, 10}));
  expect_error([&] { load_idx_dataset(dir.file("img"), dir.file("lab"), "toy", 10); },
               {dir.file("lab"), "label 10", "sample 2", "[0, 10)"});
}

TEST(Idx, MissingFileIsNamed) {
  TempDir dir;
  expect_error([&] { read_idx(dir.file("nope"), 1); }, {"not found", dir.file("nope")});
}

TEST(FashionMnist, LoadsCompressedAndPlainNamesFromADirectory) {
  TempDir dir;
  // Train as .gz, test uncompressed: both spellings are accepted.
  testing::write_gzip(dir.file("train-images-idx3-ubyte.gz"), idx_bytes({3, 28, 28}, ramp(3 * 784)));
  testing::write_gzip(dir.file("train-labels-idx1-ubyte.gz"), idx_bytes({3}, {9, 0, 3}));
  testing::write_file(dir.file("t10k-images-idx3-ubyte"), idx_bytes({2, 28, 28}, ramp(2 * 784, 5)));
  testing::write_file(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({2}, {1, 8}));
  const DatasetSplits s = load_fashion_mnist(dir.path());
  EXPECT_EQ(s.train.size(), 3);
  EXPECT_EQ(s.test.size(), 2);
  EXPECT_EQ(s.train.name(), "fashion-mnist");
  EXPECT_EQ(s.test.labels(), (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(s.train.num_classes(), 10);
  EXPECT_EQ(s.test.image(1)[0], ramp(2 * 784, 5)[784]);
}

TEST(FashionMnist, MissingDirectoryGivesAHint) {
  TempDir dir;
  expect_error([&] { load_fashion_mnist(dir.path()); },
               {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte ", "dataset-fashion-mnist", "--data-dir"});
}

TEST(FashionMnist, RejectsImagesThatAreNot28x28) {
  TempDir dir;
  testing::write_file(dir.file("train-images-idx3-ubyte"), idx_bytes({1, 4, 4}, ramp(16)));
  testing::write_file(dir.file("train-labels-idx1-ubyte"), idx_bytes({1}, {0}));
  expect_error([&] { load_fashion_mnist(dir.path()); }, {"4x4", "expected 28x28"});
}

TEST(FashionMnist, RealFilesWhenInstalled) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz") &&
      !std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << kFashionMnistDir
                 << " (Debian package dataset-fashion-mnist)";
  }
  const DatasetSplits s = load_fashion_mnist();
  ASSERT_EQ(s.train.size(), 60000);
  ASSERT_EQ(s.test.size(), 10000);
  for (const Dataset* d : {&s.train, &s.test}) {
    EXPECT_EQ(d->channels(), 1);
    EXPECT_EQ(d->height(), 28);
    EXPECT_EQ(d->width(), 28);
    EXPECT_EQ(d->num_classes(), 10);
    std::vector<int64_t> per_class(10, 0);
    for (int64_t y : d->labels()) {
      ASSERT_GE(y, 0);
      ASSERT_LT(y, 10);
      ++per_class[y];
    }
    // Both splits are balanced: 6000 and 1000 images of each class.
    for (int64_t c : per_class) EXPECT_EQ(c, d->size() / 10);
  }
  // The first image of both splits is an ankle boot (class 9).
  EXPECT_EQ(s.train.label(0), 9);
  EXPECT_EQ(s.test.label(0), 9);
  // The published normalisation constants are the training set's own statistics.
  const Normalization n = compute_normalization(s.train);
  EXPECT_NEAR(n.mean[0], fashion_mnist_normalization().mean[0], 5e-4);
  EXPECT_NEAR(n.std[0], fashion_mnist_normalization().std[0], 5e-4);
}

}  // namespace
}  // namespace revive
