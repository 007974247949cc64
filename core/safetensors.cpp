#include "core/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"

namespace revive {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

const char* dtype_tag(DType t) {
  switch (t) {
    case DType::kFloat32: return "F32";
    case DType::kInt32: return "I32";
    case DType::kInt64: return "I64";
  }
  return "?";
}

bool parse_dtype(const std::string& s, DType* out) {
  if (s == "F32") *out = DType::kFloat32;
  else if (s == "I32") *out = DType::kInt32;
  else if (s == "I64") *out = DType::kInt64;
  else return false;
  return true;
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> host;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    REVIVE_CHECK(!name.empty() && name != "__metadata__", "invalid tensor name '" << name << "'");
    REVIVE_CHECK(t.is_plain(), "tensor '" << name << "' must be plain to be saved");
    Tensor h = t.device().is_cpu() ? t : t.to(Device::cpu());
    const uint64_t n = h.nbytes();
    header[name] = {{"dtype", dtype_tag(h.dtype())}, {"shape", h.shape()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
    host.push_back(h);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  write_file_atomically(path, [&](std::ostream& os) {
    uint64_t len = text.size();
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(len >> (8 * i));
    os.write(reinterpret_cast<const char*>(le), 8);
    os.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const Tensor& h : host) os.write(static_cast<const char*>(h.raw_data()), static_cast<std::streamsize>(h.nbytes()));
  });
}

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& origin) {
  REVIVE_CHECK(bytes.size() >= 8, origin << ": not a safetensors file (" << bytes.size()
                                         << " bytes; expected at least an 8-byte header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  REVIVE_CHECK(header_len <= kMaxHeaderBytes && header_len <= bytes.size() - 8,
               origin << ": header length " << header_len << " exceeds the file (" << bytes.size()
                      << " bytes) or the " << kMaxHeaderBytes << "-byte limit: truncated or not safetensors");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_len));
  } catch (const nlohmann::json::exception& e) {
    REVIVE_THROW(origin << ": the safetensors header is not valid JSON (" << e.what() << ")");
  }
  REVIVE_CHECK(header.is_object(), origin << ": the safetensors header is not a JSON object");
  const uint64_t data_len = bytes.size() - 8 - header_len;
  const char* data = bytes.data() + 8 + header_len;

  SafetensorsFile out;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      REVIVE_CHECK(entry.is_object(), origin << ": __metadata__ must be an object of strings");
      for (const auto& [k, v] : entry.items()) {
        REVIVE_CHECK(v.is_string(), origin << ": metadata '" << k << "' is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = origin + ": tensor '" + name + "'";
    REVIVE_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") &&
                     entry.contains("data_offsets"),
                 where << " lacks dtype, shape or data_offsets");
    REVIVE_CHECK(entry["dtype"].is_string(), where << ": dtype is not a string");
    DType dtype;
    const std::string tag = entry["dtype"].get<std::string>();
    REVIVE_CHECK(parse_dtype(tag, &dtype), where << " has dtype " << tag << "; revive reads F32, I32 and I64");
    const auto& shape_j = entry["shape"];
    REVIVE_CHECK(shape_j.is_array() && shape_j.size() <= 8, where << ": shape must be an array of at most 8 sizes");
    Shape shape;
    // extent, the product of the non-zero sizes, bounds every stride: a zero does not excuse
    // [0, 2^32, 2^32], whose strides would overflow.
    uint64_t count = 1, extent = 1;
    for (const auto& d : shape_j) {
      REVIVE_CHECK(d.is_number_unsigned(), where << ": shape entries must be non-negative integers");
      const uint64_t v = d.get<uint64_t>();
      REVIVE_CHECK(v == 0 || extent <= std::numeric_limits<int64_t>::max() / 8 / v, where << ": shape overflows");
      count *= v;
      extent *= std::max<uint64_t>(v, 1);
      shape.push_back(static_cast<int64_t>(v));
    }
    const auto& off = entry["data_offsets"];
    REVIVE_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
                 where << ": data_offsets must be two non-negative integers");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    REVIVE_CHECK(begin <= end && end <= data_len,
                 where << ": data_offsets [" << begin << ", " << end << ") outside the " << data_len
                       << "-byte data section (truncated file?)");
    REVIVE_CHECK(end - begin == count * dtype_size(dtype), where << ": shape " << shape_str(shape) << " of " << tag
                                                                 << " needs " << count * dtype_size(dtype)
                                                                 << " bytes, offsets give " << end - begin);
    ranges.emplace_back(begin, end);
    Tensor t = Tensor::empty(shape, dtype);
    if (end > begin) std::memcpy(t.raw_data(), data + begin, end - begin);
    out.tensors.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    REVIVE_CHECK(ranges[i].first >= ranges[i - 1].second, origin << ": tensors overlap in the data section");
  }
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  REVIVE_CHECK(is.good(), "cannot open " << path << ": " << std::strerror(errno));
  std::ostringstream ss;
  ss << is.rdbuf();
  return parse_safetensors(ss.str(), path);
}

}  // namespace revive
