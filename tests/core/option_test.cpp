// Declared options: text and JSON values are parsed and checked by the declaration, with messages
// that name the option and say what a valid value is; a table binds declarations to fields.
#include "core/option.h"

#include <gtest/gtest.h>

#include "core/option_table.h"
#include "support/error_message.h"

namespace revive {
namespace {

enum class Colour { kRed, kGreen };

struct Example {
  int count = 3;
  uint64_t seed = 7;
  double rate = 0.5;
  bool flag = false;
  std::string name = "a";
  Colour colour = Colour::kRed;
  std::vector<int> steps;
  std::vector<double> weights{1.0};
  std::vector<std::string> pairs;
};

const OptionTable<Example>& table() {
  static const OptionTable<Example> table = [] {
    OptionTable<Example> t;
    t.start_group("Example");
    t.add(&Example::count, "count", "--count", "How many").in_range(1, 10);
    t.add(&Example::seed, "seed", "--seed", "Seed");
    t.add(&Example::rate, "rate", "--rate", "Rate").above(0).at_most(1);
    t.add(&Example::flag, "flag", "--flag", "Flag").negated_by("--no-flag");
    t.add(&Example::name, "name", "--name", "Name").one_of({"a", "b"});
    t.add_enum(&Example::colour, "colour", "--colour", "Colour", {{"red", Colour::kRed}, {"green", Colour::kGreen}});
    t.add(&Example::steps, "steps", "--steps", "Steps").at_least(1);
    t.add(&Example::weights, "weights", "--weights", "Weights").at_least(0);
    t.add(&Example::pairs, "pairs", "--pair", "key=value").one_per_flag();
    return t;
  }();
  return table;
}

TEST(Option, TextIsParsedIntoTheDeclaredType) {
  const auto& t = table();
  EXPECT_EQ(parse_option_text(t.decl("count"), "4", "--count"), 4);
  EXPECT_EQ(parse_option_text(t.decl("seed"), "18446744073709551615", "--seed").get<uint64_t>(),
            18446744073709551615ull);
  EXPECT_EQ(parse_option_text(t.decl("rate"), "1", "--rate"), 1.0);
  EXPECT_EQ(parse_option_text(t.decl("flag"), "yes", "--flag"), true);
  EXPECT_EQ(parse_option_text(t.decl("colour"), "green", "--colour"), "green");
  EXPECT_EQ(parse_option_text(t.decl("steps"), "60,120", "--steps"), nlohmann::json({60, 120}));
  EXPECT_EQ(parse_option_text(t.decl("steps"), "", "--steps"), nlohmann::json::array());
  EXPECT_EQ(parse_option_text(t.decl("pairs"), "d=1,2.5", "--pair"), nlohmann::json({"d=1,2.5"}));
}

TEST(Option, BadTextSaysWhatIsValid) {
  const auto& t = table();
  const struct {
    const char* key;
    const char* text;
    const char* expect;
  } cases[] = {
      {"count", "0", "--count 0: must be an integer in [1, 10]"},
      {"count", "11", "--count 11: must be an integer in [1, 10]"},
      {"count", "2.5", "--count 2.5: must be an integer in [1, 10]"},
      {"count", "", "--count '': must be an integer"},
      {"count", "99999999999999999999", "must be an integer in [1, 10]"},
      {"seed", "-1", "--seed -1: must be an integer >= 0"},
      {"rate", "0", "--rate 0: must be a number in (0, 1]"},
      {"rate", "nan", "--rate nan: must be a number in (0, 1]"},
      {"rate", "1e999", "must be a number in (0, 1]"},
      {"rate", "0.5x", "--rate 0.5x: must be a number"},
      {"flag", "maybe", "--flag maybe: must be true or false"},
      {"name", "c", "--name c: must be one of a, b"},
      {"colour", "blue", "--colour blue: must be one of red, green"},
      {"steps", "60,0", "--steps 60,0: each element must be an integer >= 1"},
      {"steps", "60,x", "--steps x: must be an integer >= 1"},
      {"weights", "-1", "each element must be a number >= 0"},
  };
  for (const auto& c : cases) {
    EXPECT_ERROR(parse_option_text(t.decl(c.key), c.text, t.decl(c.key).flag), c.expect);
  }
}

TEST(Option, JsonValuesAreCheckedLikeText) {
  const auto& t = table();
  EXPECT_EQ(::revive::testing::error_message([&] { check_option_value(t.decl("count"), 10, "f"); }), "");
  EXPECT_ERROR(check_option_value(t.decl("count"), 1e300, "f.json: 'count'"), "f.json: 'count': must be an integer in [1, 10]");
  EXPECT_ERROR(check_option_value(t.decl("count"), "3", "f"), "must be an integer");
  EXPECT_ERROR(check_option_value(t.decl("seed"), -3, "f"), "must be an integer >= 0");
  EXPECT_ERROR(check_option_value(t.decl("steps"), 60, "f"), "(a JSON array)");
  EXPECT_ERROR(check_option_value(t.decl("name"), nullptr, "f"), "must be one of a, b");
}

TEST(OptionTable, DefaultsComeFromTheStructAndJsonRoundTrips) {
  const auto& t = table();
  EXPECT_EQ(t.decl("count").default_value, 3);
  EXPECT_EQ(t.decl("colour").default_value, "red");
  EXPECT_EQ(t.decl("count").group, "Example");
  EXPECT_EQ(t.decl("flag").negation, "--no-flag");
  Example e;
  e.count = 9;
  e.colour = Colour::kGreen;
  e.steps = {5};
  e.pairs = {"x=1,2"};
  const nlohmann::json j = t.to_json(e);
  Example back;
  t.read_json(back, j, "e.json", /*require_all=*/true);
  EXPECT_EQ(t.to_json(back), j);
  EXPECT_EQ(back.colour, Colour::kGreen);
}

TEST(OptionTable, ReadJsonChecksPresenceAndValues) {
  const auto& t = table();
  Example e;
  nlohmann::json j = t.to_json(e);
  j.erase("rate");
  EXPECT_ERROR(t.read_json(e, j, "e.json", true), "e.json: the option 'rate' is missing");
  t.read_json(e, {{"count", 5}, {"unrelated_fact", 1}}, "e.json", /*require_all=*/false);
  EXPECT_EQ(e.count, 5);
  EXPECT_ERROR(t.read_json(e, {{"count", 50}}, "e.json", false), "e.json: 'count': must be");
  EXPECT_EQ(e.count, 5);
}

TEST(OptionTable, KeyValueOverrides) {
  const auto& t = table();
  Example e;
  t.set_key_value(e, "rate=0.25", "--set");
  EXPECT_EQ(e.rate, 0.25);
  EXPECT_ERROR(t.set_key_value(e, "rate", "--set"), "expected key=value, keys: count, seed");
  EXPECT_ERROR(t.set_key_value(e, "speed=1", "--set"), "unknown option 'speed'");
  EXPECT_ERROR(t.set_key_value(e, "rate=2", "--set"), "--set rate=2: must be a number in (0, 1]");
}

// An option stored in two fields, with a word for its "unset" state: a limit that may be off.
struct Limited {
  bool limited = false;
  double limit = 0;
  std::vector<double> steps;  // empty: automatic
};

const OptionTable<Limited>& limited_table() {
  static const OptionTable<Limited> table = [] {
    OptionTable<Limited> t;
    t.add_custom(
         "limit", "--limit", "The limit, or off", OptionType::kDouble,
         [](const Limited& l) { return l.limited ? nlohmann::json(l.limit) : nlohmann::json("off"); },
         [](Limited& l, const nlohmann::json& v) {
           l.limited = !v.is_string();
           if (l.limited) l.limit = v.get<double>();
         })
        .above(0)
        .or_word("off");
    t.add_custom(
         "steps", "--steps", "Steps, or auto", OptionType::kDoubleList,
         [](const Limited& l) { return l.steps.empty() ? nlohmann::json("auto") : nlohmann::json(l.steps); },
         [](Limited& l, const nlohmann::json& v) {
           l.steps = v.is_string() ? std::vector<double>{} : v.get<std::vector<double>>();
         })
        .at_least(1)
        .or_word("auto");
    return t;
  }();
  return table;
}

TEST(OptionTable, CustomBindingsAndWords) {
  const auto& t = limited_table();
  EXPECT_EQ(t.decl("limit").default_value, "off");
  EXPECT_EQ(t.decl("limit").valid_values(), "a number > 0, or off");
  EXPECT_EQ(t.decl("steps").valid_values(), "comma-separated, each a number >= 1, or auto");
  Limited l;
  t.set_key_value(l, "limit=2.5", "--set");
  EXPECT_TRUE(l.limited);
  EXPECT_EQ(l.limit, 2.5);
  t.set_key_value(l, "steps=1,2", "--set");
  EXPECT_EQ(t.to_json(l), (nlohmann::json{{"limit", 2.5}, {"steps", {1.0, 2.0}}}));
  t.set_key_value(l, "limit=off", "--set");
  t.set_key_value(l, "steps=auto", "--set");
  EXPECT_FALSE(l.limited);
  EXPECT_TRUE(l.steps.empty());
  EXPECT_ERROR(t.set_key_value(l, "limit=0", "--set"), "--set limit=0: must be a number > 0, or off");
  EXPECT_ERROR(t.set_key_value(l, "limit=of", "--set"), "--set limit=of: must be a number > 0, or off");
  EXPECT_ERROR(t.set_key_value(l, "steps=1,0.5", "--set"),
               "--set steps=1,0.5: each element must be a number >= 1, or the whole value auto");
  EXPECT_ERROR(t.read_json(l, {{"limit", "never"}}, "l.json", false), "l.json: 'limit': must be a number > 0, or off");
}

TEST(OptionTable, CheckFindsAnInvalidFieldOfAConfigMadeInCode) {
  const auto& t = limited_table();
  Limited l;
  t.check(l, "limits");
  l.limited = true;
  l.limit = -1;
  EXPECT_ERROR(t.check(l, "limits"), "limits limit: must be a number > 0, or off");
  l.limit = 1;
  l.steps = {0.5};
  EXPECT_ERROR(t.check(l, "limits"), "limits steps: each element must be a number >= 1, or the whole value auto");
  Example e;
  table().check(e, "example");
  e.count = 0;
  EXPECT_ERROR(table().check(e, "example"), "example count: must be an integer in [1, 10]");
}

}  // namespace
}  // namespace revive
