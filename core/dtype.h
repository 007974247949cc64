#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace revive {

// float32 for values; int32/int64 for labels and indices.
enum class DType : uint8_t { kFloat32, kInt32, kInt64 };

inline size_t dtype_size(DType t) { return t == DType::kInt64 ? 8 : 4; }
std::string dtype_name(DType t);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };

}  // namespace revive
