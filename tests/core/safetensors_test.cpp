#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/safetensors.h"

namespace revive {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("revive_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::string with_header(const std::string& json, const std::string& data) {
  std::string s(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s + json + data;
}

TEST(Safetensors, RoundTrip) {
  const std::string path = temp_path("rt.safetensors");
  Tensor w = Tensor::from_vector<float>({1.5f, -2, 3, 4, 5, 6}, {2, 3});
  Tensor n = Tensor::from_vector<int64_t>({42}, {});
  save_safetensors(path, {{"conv1.weight", w}, {"bn1.num_batches_tracked", n}}, {{"format", "pt"}});
  SafetensorsFile f = load_safetensors(path);
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors.at("conv1.weight").shape(), (Shape{2, 3}));
  EXPECT_EQ(f.tensors.at("conv1.weight").to_vector<float>(), w.to_vector<float>());
  EXPECT_EQ(f.tensors.at("bn1.num_batches_tracked").to_vector<int64_t>(), std::vector<int64_t>{42});
  EXPECT_EQ(f.metadata.at("format"), "pt");
  std::remove(path.c_str());
}

TEST(Safetensors, RejectsHostileHeaders) {
  const std::string four_floats(16, '\0');
  EXPECT_THROW(parse_safetensors("abc", "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header("{not json", four_floats), "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", four_floats), "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", four_floats), "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", four_floats), "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", four_floats), "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}})", four_floats), "t"), Error);
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", four_floats), "t"), Error);
  // No elements, but strides that overflow int64.
  EXPECT_THROW(parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})", ""), "t"), Error);
  std::string huge(8, '\xff');
  EXPECT_THROW(parse_safetensors(huge, "t"), Error);
  SafetensorsFile ok = parse_safetensors(with_header(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", four_floats), "t");
  EXPECT_EQ(ok.tensors.at("a").numel(), 4);
}

TEST(AtomicFile, FailureKeepsThePreviousFile) {
  const std::string path = temp_path("atomic.txt");
  write_file_atomically(path, [](std::ostream& os) { os << "first"; });
  EXPECT_THROW(write_file_atomically(path, [](std::ostream& os) {
                 os << "partial";
                 REVIVE_THROW("simulated failure while writing");
               }),
               Error);
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  EXPECT_EQ(ss.str(), "first");
  std::remove(path.c_str());
}

TEST(AtomicFile, UnwritableDirectoryIsAClearError) {
  EXPECT_THROW(ensure_writable_dir("/proc/revive-cannot-write-here"), Error);
  const std::string dir = temp_path("outdir/sub");
  EXPECT_NO_THROW(ensure_writable_dir(dir));
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

}  // namespace
}  // namespace revive
