// The nesting guard: depth counted over arrays and objects, strings and escapes skipped.
#include <doctest/doctest.h>

#include <string>

#include "util/json_guard.h"

using detour::JsonNestingWithin;
using detour::ParseJsonBounded;

TEST_CASE("json guard: nesting is counted over arrays and objects, not inside strings") {
  CHECK(JsonNestingWithin(R"({"a":[1,{"b":[]}]})", 4));
  CHECK_FALSE(JsonNestingWithin(R"({"a":[1,{"b":[]}]})", 3));
  CHECK(JsonNestingWithin(R"({"s":"[[[[[[{{{{"})", 1));
  CHECK(JsonNestingWithin(R"({"s":"quote \" then [[[["})", 1));
  CHECK(JsonNestingWithin(R"({"s":"backslash \\"}, [[]])", 2));
  CHECK_FALSE(JsonNestingWithin(R"({"s":"backslash \\"}, [[[]]])", 2));
  CHECK(JsonNestingWithin("", 0));
}

TEST_CASE("json guard: ParseJsonBounded parses normal text and refuses deep or invalid text") {
  CHECK(ParseJsonBounded(R"({"x":[1,2]})")["x"][1] == 2);
  CHECK(ParseJsonBounded("{not json").is_discarded());
  std::string deep(detour::kMaxJsonDepth + 1, '[');
  deep += std::string(detour::kMaxJsonDepth + 1, ']');
  CHECK(ParseJsonBounded(deep).is_discarded());
  std::string ok(detour::kMaxJsonDepth, '[');
  ok += std::string(detour::kMaxJsonDepth, ']');
  CHECK(ParseJsonBounded(ok).is_array());
}
