#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/error.h"

namespace revive {
namespace {

// gzip's magic bytes; deflate expands at most ~1032:1, which bounds what a compressed file can hold.
constexpr unsigned char kGzipMagic[2] = {0x1f, 0x8b};
constexpr uint64_t kMaxDeflateRatio = 1032;

std::string hex32(uint32_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(8) << std::setfill('0') << v;
  return os.str();
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The bytes of an IDX file held in memory, read front to back and inflated on the fly when they are
// gzip-compressed (one or more concatenated members, as gzip writes them).
class IdxReader {
 public:
  IdxReader(const std::string& bytes, const std::string& origin) : bytes_(bytes), origin_(origin) {
    gzip_ = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == kGzipMagic[0] &&
            static_cast<unsigned char>(bytes[1]) == kGzipMagic[1];
    if (!gzip_) return;
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs_.avail_in = 0;
    REVIVE_CHECK(inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK, "cannot start zlib to read " << origin);
  }
  ~IdxReader() {
    if (gzip_) inflateEnd(&zs_);
  }
  IdxReader(const IdxReader&) = delete;
  IdxReader& operator=(const IdxReader&) = delete;

  // Most bytes the payload can hold: the input size, or its deflate bound when compressed.
  uint64_t max_output() const { return bytes_.size() * (gzip_ ? kMaxDeflateRatio : 1); }

  // Reads up to n bytes; returns how many arrived (fewer only at the end of the data). A gzip
  // stream that stops early counts as the end of the data, so the caller reports it as truncation.
  size_t read(uint8_t* dst, size_t n) {
    if (!gzip_) {
      const size_t got = std::min(n, bytes_.size() - pos_);
      if (got > 0) std::memcpy(dst, bytes_.data() + pos_, got);
      pos_ += got;
      return got;
    }
    size_t got = 0;
    while (got < n && !done_) {
      if (zs_.avail_in == 0) {
        if (pos_ == bytes_.size()) break;
        // zlib counts in 32-bit units: feed the input in slices.
        zs_.avail_in = static_cast<uInt>(std::min<size_t>(bytes_.size() - pos_, size_t{1} << 30));
        zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes_.data() + pos_));
        pos_ += zs_.avail_in;
      }
      zs_.next_out = dst + got;
      zs_.avail_out = static_cast<uInt>(std::min<size_t>(n - got, size_t{1} << 30));
      const uInt before = zs_.avail_out;
      const int r = inflate(&zs_, Z_NO_FLUSH);
      got += before - zs_.avail_out;
      if (r == Z_STREAM_END) {
        // Another member may follow; anything else after the stream is corrupt data.
        if (zs_.avail_in == 0 && pos_ == bytes_.size()) done_ = true;
        else REVIVE_CHECK(inflateReset(&zs_) == Z_OK, "cannot restart zlib reading " << origin_);
      } else if (r == Z_BUF_ERROR && zs_.avail_in == 0) {
        if (pos_ == bytes_.size()) break;  // the stream stops early
      } else if (r != Z_OK) {
        REVIVE_THROW("cannot read IDX file " << origin_ << ": " << (zs_.msg ? zs_.msg : "zlib error " + std::to_string(r))
                                             << " (the gzip data is corrupt)");
      }
    }
    return got;
  }

 private:
  const std::string& bytes_;
  const std::string& origin_;
  bool gzip_ = false;
  bool done_ = false;
  size_t pos_ = 0;
  z_stream zs_{};
};

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

IdxArray parse_idx(const std::string& bytes, const std::string& origin, int ndim) {
  REVIVE_CHECK(ndim >= 1 && ndim <= 255, "read_idx: ndim " << ndim << " must be in [1, 255]");
  IdxReader in(bytes, origin);
  const size_t header_bytes = 4 * (1 + static_cast<size_t>(ndim));
  std::vector<uint8_t> header(header_bytes);
  const size_t got_header = in.read(header.data(), header_bytes);
  REVIVE_CHECK(got_header >= 4, "IDX file " << origin << " is truncated: expected at least a 4-byte magic number, got "
                                            << got_header << " bytes");
  const uint32_t magic = read_be32(header.data());
  const uint32_t expected_magic = 0x00000800u | static_cast<uint32_t>(ndim);
  REVIVE_CHECK(magic == expected_magic, "IDX file " << origin << " has the wrong magic number: found " << hex32(magic)
                                                    << ", expected " << hex32(expected_magic) << " (unsigned bytes, "
                                                    << ndim << " dimension" << (ndim == 1 ? "" : "s") << ")");
  REVIVE_CHECK(got_header == header_bytes, "IDX file " << origin << " is truncated: expected a " << header_bytes
                                                       << "-byte header, got " << got_header << " bytes");

  IdxArray out;
  std::ostringstream shape;
  for (int d = 0; d < ndim; ++d) {
    out.dims.push_back(read_be32(header.data() + 4 * (1 + d)));
    shape << (d ? "x" : "") << out.dims.back();
  }
  // Each factor is below 2^32 and the running products are checked against kIdxMaxBytes after every
  // step, so they never overflow. The extent (the product of the non-zero sizes) is bounded too: a
  // zero must not let [0, 2^32-1, 2^32-1] through to code that multiplies the other sizes.
  uint64_t n_bytes = 1, extent = 1;
  for (int64_t dim : out.dims) {
    n_bytes *= static_cast<uint64_t>(dim);
    extent *= std::max<uint64_t>(static_cast<uint64_t>(dim), 1);
    REVIVE_CHECK(extent <= kIdxMaxBytes, "IDX file " << origin << " declares dimensions " << shape.str()
                                                     << ", more than the " << kIdxMaxBytes
                                                     << "-byte limit: the header is corrupt");
  }

  // The input's size bounds the real payload: a short input with a hostile header fails on its
  // real size without first allocating what the header claims.
  out.data.reserve(static_cast<size_t>(std::min<uint64_t>(n_bytes, in.max_output())));
  const size_t chunk = size_t{1} << 20;
  size_t have = 0;
  while (have < n_bytes) {
    const size_t want = std::min<size_t>(chunk, n_bytes - have);
    out.data.resize(have + want);
    const size_t got = in.read(out.data.data() + have, want);
    have += got;
    if (got < want) break;
  }
  out.data.resize(have);
  REVIVE_CHECK(have == n_bytes, "IDX file " << origin << " is truncated: dimensions " << shape.str() << " need "
                                            << n_bytes << " bytes of data, got " << have);
  uint8_t extra = 0;
  REVIVE_CHECK(in.read(&extra, 1) == 0, "IDX file " << origin << " has bytes after the " << n_bytes
                                                    << " its dimensions " << shape.str()
                                                    << " declare: the header does not match the data");
  return out;
}

IdxArray read_idx(const std::string& path, int ndim) {
  REVIVE_CHECK(std::filesystem::is_regular_file(path), "IDX file not found: " << path);
  // A plain file holds its payload and at most a 1 KiB header; a gzip file is smaller still.
  const uint64_t size = std::filesystem::file_size(path);
  REVIVE_CHECK(size <= kIdxMaxBytes + 1024, "IDX file " << path << " is " << size << " bytes, more than the "
                                                        << kIdxMaxBytes << "-byte limit: not a dataset file");
  std::ifstream is(path, std::ios::binary);
  REVIVE_CHECK(is.good(), "cannot open IDX file " << path << ": " << std::strerror(errno));
  std::string bytes(static_cast<size_t>(size), '\0');
  is.read(bytes.data(), static_cast<std::streamsize>(size));
  REVIVE_CHECK(static_cast<uint64_t>(is.gcount()) == size,
               "cannot read IDX file " << path << ": expected " << size << " bytes, got " << is.gcount());
  return parse_idx(bytes, path, ndim);
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
