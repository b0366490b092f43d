// RESP2 (net/resp.h): commands encode as arrays of bulk strings; every reply type parses,
// incomplete input asks for more without consuming anything, and malformed or oversized
// input is refused.
#include <doctest/doctest.h>

#include "net/resp.h"

namespace detour::net::resp {
namespace {

ParseStatus ParseAll(std::string_view in, Value* v, size_t* pos) {
  *pos = 0;
  return Parse(in, pos, v);
}

TEST_CASE("a command is an array of bulk strings, binary safe") {
  CHECK(Command({"SET", "k", std::string("a\r\nb\0c", 6)}) ==
        std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n", 32));
  CHECK(Command({}) == "*0\r\n");
  CHECK(Command({""}) == "*1\r\n$0\r\n\r\n");
}

TEST_CASE("every reply type parses") {
  Value v;
  size_t pos = 0;
  REQUIRE(ParseAll("+OK\r\n", &v, &pos) == ParseStatus::kDone);
  CHECK(v.type == Value::Type::kSimple);
  CHECK(v.str == "OK");
  CHECK(pos == 5);
  REQUIRE(ParseAll("-WRONGPASS invalid\r\n", &v, &pos) == ParseStatus::kDone);
  CHECK(v.is_error());
  CHECK(v.str == "WRONGPASS invalid");
  REQUIRE(ParseAll(":-42\r\n", &v, &pos) == ParseStatus::kDone);
  CHECK(v.type == Value::Type::kInt);
  CHECK(v.num == -42);
  REQUIRE(ParseAll("$5\r\nhe\r\nl\r\n", &v, &pos) == ParseStatus::kDone);
  CHECK(v.type == Value::Type::kBulk);
  CHECK(v.str == "he\r\nl");
  REQUIRE(ParseAll("$-1\r\n", &v, &pos) == ParseStatus::kDone);
  CHECK(v.is_nil());
  REQUIRE(ParseAll("*-1\r\n", &v, &pos) == ParseStatus::kDone);
  CHECK(v.is_nil());
  REQUIRE(ParseAll("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n*2\r\n:1\r\n$-1\r\n", &v, &pos) == ParseStatus::kDone);
  REQUIRE(v.type == Value::Type::kArray);
  REQUIRE(v.elems.size() == 3);
  CHECK(v.elems[0].str == "message");
  CHECK(v.elems[2].elems[0].num == 1);
  CHECK(v.elems[2].elems[1].is_nil());
}

TEST_CASE("pipelined replies parse one after another") {
  std::string in = "+OK\r\n:7\r\n$1\r\nx\r\n";
  size_t pos = 0;
  Value a, b, c;
  REQUIRE(Parse(in, &pos, &a) == ParseStatus::kDone);
  REQUIRE(Parse(in, &pos, &b) == ParseStatus::kDone);
  REQUIRE(Parse(in, &pos, &c) == ParseStatus::kDone);
  CHECK(pos == in.size());
  CHECK(b.num == 7);
  CHECK(c.str == "x");
  Value d;
  CHECK(Parse(in, &pos, &d) == ParseStatus::kNeedMore);
}

TEST_CASE("every prefix of a reply needs more and consumes nothing") {
  std::string whole = "*2\r\n$3\r\nabc\r\n*1\r\n:12\r\n";
  for (size_t n = 0; n < whole.size(); ++n) {
    CAPTURE(n);
    Value v;
    size_t pos = 0;
    CHECK(Parse(std::string_view(whole).substr(0, n), &pos, &v) == ParseStatus::kNeedMore);
    CHECK(pos == 0);
  }
}

TEST_CASE("malformed or oversized replies are refused") {
  std::string nested;  // 20 levels of arrays: beyond kMaxDepth
  for (int i = 0; i < 20; ++i) nested += "*1\r\n";
  nested += ":1\r\n";
  const std::vector<std::string> bad = {"?x\r\n", ":12a\r\n", ":\r\n", "$-2\r\n", "$3\r\nabcd\r\n",
                                        "+a\rb\r\n", "+ok\n", "*-5\r\n", "$99999999999\r\n",
                                        "*2000000\r\n", nested};
  for (const auto& b : bad) {
    CAPTURE(b);
    Value v;
    size_t pos = 0;
    CHECK(Parse(b, &pos, &v) == ParseStatus::kBad);
  }
}

}  // namespace
}  // namespace detour::net::resp
