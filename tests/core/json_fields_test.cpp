#include "core/json_fields.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "support/error_message.h"

namespace revive {
namespace {

using nlohmann::json;

using testing::error_message;

TEST(JsonFields, ReadsTypedFields) {
  const json j = json_parse(R"({"i": -3, "u": 18446744073709551615, "d": 2, "b": true, "s": "x", "l": [1, 2]})", "f");
  EXPECT_EQ(json_int(j, "i", "f", -5, 5), -3);
  EXPECT_EQ(json_uint(j, "u", "f"), 18446744073709551615ull);
  EXPECT_EQ(json_double(j, "d", "f"), 2.0);
  EXPECT_TRUE(json_bool(j, "b", "f"));
  EXPECT_EQ(json_string(j, "s", "f"), "x");
  EXPECT_EQ(json_int_list(j, "l", "f", 0, 2), (std::vector<int64_t>{1, 2}));
}

TEST(JsonFields, RejectsWrongTypesAndRangesWithClearErrors) {
  const json j = json_parse(R"({"big": 1e300, "frac": 1.5, "neg": -1, "huge": 18446744073709551615, "s": "7"})", "c.json");
  // A float where an integer belongs is an error, not an undefined conversion.
  EXPECT_NE(error_message([&] { json_int(j, "big", "c.json", 0, 10); }).find("c.json: field 'big' must be an integer"),
            std::string::npos);
  EXPECT_NE(error_message([&] { json_int(j, "frac", "c.json"); }).find("must be an integer"), std::string::npos);
  EXPECT_NE(error_message([&] { json_int(j, "neg", "c.json", 0, 10); }).find("outside [0, 10]"), std::string::npos);
  EXPECT_NE(error_message([&] { json_int(j, "huge", "c.json"); }).find("outside"), std::string::npos);
  EXPECT_NE(error_message([&] { json_uint(j, "neg", "c.json"); }).find("non-negative integer"), std::string::npos);
  EXPECT_NE(error_message([&] { json_double(j, "s", "c.json"); }).find("must be a number, found string"), std::string::npos);
  EXPECT_NE(error_message([&] { json_bool(j, "s", "c.json"); }).find("true or false"), std::string::npos);
  EXPECT_NE(error_message([&] { json_string(j, "missing", "c.json"); }).find("field 'missing' is missing"), std::string::npos);
  EXPECT_NE(error_message([&] { json_int_list(j, "s", "c.json", 0, 1); }).find("must be an array"), std::string::npos);
  EXPECT_NE(error_message([&] { json_int(json::array(), "x", "c.json"); }).find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_message([&] { json_parse("{\"a\": 1e400}", "c.json"); }).find("c.json is not valid JSON"), std::string::npos);
  EXPECT_NE(error_message([&] { json_double(json{{"inf", HUGE_VAL}}, "inf", "c.json"); }).find("finite"), std::string::npos);
}

}  // namespace
}  // namespace revive
