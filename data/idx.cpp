#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <memory>

#include "core/error.h"

namespace revive {
namespace {

std::string hex32(uint32_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(8) << std::setfill('0') << v;
  return os.str();
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to n bytes; returns how many arrived (fewer only at the end of the data). A gzip stream
// that stops early counts as the end of the data, so the caller reports it as truncation.
size_t read_some(gzFile f, const std::string& path, uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    const unsigned ask = static_cast<unsigned>(std::min<size_t>(n - got, size_t{1} << 24));
    const int r = gzread(f, dst + got, ask);
    if (r < 0) {
      int errnum = Z_OK;
      std::string msg = gzerror(f, &errnum);
      if (errnum == Z_BUF_ERROR) break;
      // zlib prefixes its message with the path; drop it so the path appears once.
      if (msg.rfind(path + ": ", 0) == 0) msg.erase(0, path.size() + 2);
      REVIVE_THROW("cannot read IDX file " << path << ": " << msg << " (the gzip data is corrupt)");
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

// dir/base.gz or dir/base, whichever exists (the compressed name first, as Debian ships it).
std::string find_fashion_file(const std::string& dir, const std::string& base) {
  const std::string gz = (std::filesystem::path(dir) / (base + ".gz")).string();
  const std::string plain = (std::filesystem::path(dir) / base).string();
  if (std::filesystem::is_regular_file(gz)) return gz;
  if (std::filesystem::is_regular_file(plain)) return plain;
  REVIVE_THROW("Fashion-MNIST file not found: neither " << gz << " nor " << plain
                                                        << " exists. Install the Debian package dataset-fashion-mnist "
                                                           "(files in "
                                                        << kFashionMnistDir << ") or pass --data-dir DIR");
}

}  // namespace

IdxArray read_idx(const std::string& path, int ndim) {
  REVIVE_CHECK(ndim >= 1 && ndim <= 255, "read_idx: ndim " << ndim << " must be in [1, 255]");
  REVIVE_CHECK(std::filesystem::is_regular_file(path), "IDX file not found: " << path);
  GzHandle f(gzopen(path.c_str(), "rb"));
  REVIVE_CHECK(f != nullptr, "cannot open IDX file " << path);
  gzbuffer(f.get(), 1 << 17);

  const size_t header_bytes = 4 * (1 + static_cast<size_t>(ndim));
  std::vector<uint8_t> header(header_bytes);
  const size_t got_header = read_some(f.get(), path, header.data(), header_bytes);
  REVIVE_CHECK(got_header >= 4, "IDX file " << path << " is truncated: expected at least a 4-byte magic number, got "
                                            << got_header << " bytes");
  const uint32_t magic = read_be32(header.data());
  const uint32_t expected_magic = 0x00000800u | static_cast<uint32_t>(ndim);
  REVIVE_CHECK(magic == expected_magic, "IDX file " << path << " has the wrong magic number: found " << hex32(magic)
                                                    << ", expected " << hex32(expected_magic) << " (unsigned bytes, "
                                                    << ndim << " dimension" << (ndim == 1 ? "" : "s") << ")");
  REVIVE_CHECK(got_header == header_bytes, "IDX file " << path << " is truncated: expected a " << header_bytes
                                                       << "-byte header, got " << got_header << " bytes");

  IdxArray out;
  std::ostringstream shape;
  for (int d = 0; d < ndim; ++d) {
    out.dims.push_back(read_be32(header.data() + 4 * (1 + d)));
    shape << (d ? "x" : "") << out.dims.back();
  }
  // Each factor is below 2^32 and the running product is checked against kIdxMaxBytes after every
  // step, so it never overflows.
  uint64_t n_bytes = 1;
  for (int64_t dim : out.dims) {
    n_bytes *= static_cast<uint64_t>(dim);
    REVIVE_CHECK(n_bytes <= kIdxMaxBytes, "IDX file " << path << " declares dimensions " << shape.str()
                                                      << ", more than the " << kIdxMaxBytes
                                                      << "-byte limit: the header is corrupt");
  }

  // Deflate expands at most ~1032:1, so the file size bounds the real payload: a short file with a
  // hostile header fails on its real size without first allocating what the header claims.
  const uint64_t file_bytes = std::filesystem::file_size(path);
  out.data.reserve(static_cast<size_t>(std::min<uint64_t>(n_bytes, file_bytes * 1032)));
  const size_t chunk = size_t{1} << 20;
  size_t have = 0;
  while (have < n_bytes) {
    const size_t want = std::min<size_t>(chunk, n_bytes - have);
    out.data.resize(have + want);
    const size_t got = read_some(f.get(), path, out.data.data() + have, want);
    have += got;
    if (got < want) break;
  }
  REVIVE_CHECK(have == n_bytes, "IDX file " << path << " is truncated: dimensions " << shape.str() << " need "
                                            << n_bytes << " bytes of data, got " << have);
  uint8_t extra = 0;
  REVIVE_CHECK(read_some(f.get(), path, &extra, 1) == 0, "IDX file " << path << " has bytes after the " << n_bytes
                                                                     << " its dimensions " << shape.str()
                                                                     << " declare: the header does not match the data");
  return out;
}

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path, const std::string& name,
                         int num_classes) {
  IdxArray images = read_idx(images_path, 3);
  IdxArray labels = read_idx(labels_path, 1);
  REVIVE_CHECK(images.dims[0] == labels.dims[0], "dataset '" << name << "': " << images_path << " holds "
                                                             << images.dims[0] << " images but " << labels_path
                                                             << " holds " << labels.dims[0] << " labels");
  REVIVE_CHECK(images.dims[1] > 0 && images.dims[2] > 0, "IDX file " << images_path << " declares " << images.dims[1]
                                                                     << "x" << images.dims[2]
                                                                     << " images, expected both sides > 0");
  std::vector<int64_t> label_values(labels.data.size());
  for (size_t i = 0; i < labels.data.size(); ++i) {
    label_values[i] = labels.data[i];
    REVIVE_CHECK(label_values[i] < num_classes, "IDX label file " << labels_path << ": label " << label_values[i]
                                                                  << " of sample " << i << " is outside [0, "
                                                                  << num_classes << ")");
  }
  return Dataset(name, 1, images.dims[1], images.dims[2], num_classes, std::move(images.data), std::move(label_values));
}

DatasetSplits load_fashion_mnist(const std::string& dir) {
  const auto load = [&](const std::string& prefix) {
    const std::string images = find_fashion_file(dir, prefix + "-images-idx3-ubyte");
    const std::string labels = find_fashion_file(dir, prefix + "-labels-idx1-ubyte");
    Dataset d = load_idx_dataset(images, labels, "fashion-mnist", 10);
    REVIVE_CHECK(d.height() == 28 && d.width() == 28, "Fashion-MNIST file " << images << " holds " << d.height() << "x"
                                                                            << d.width() << " images, expected 28x28");
    return d;
  };
  return DatasetSplits{load("train"), load("t10k")};
}

}  // namespace revive
