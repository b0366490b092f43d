// Fuzz target: the RESP2 reply parser (net/resp.h) as the Redis state store's connection
// uses it (net/redis_conn.cc): bytes arrive in pieces and are parsed as they come. The
// input is what a Redis server (or anything listening on its port) sends.
//
// Checked, beyond "no crash, no sanitizer report":
// - parsing from a buffer that grows piece by piece yields the same replies, and stops at
//   the same byte, as parsing the whole input at once;
// - kNeedMore consumes nothing; kDone always consumes something; kBad is sticky (the
//   same bytes refused whole);
// - a parsed bulk never holds more bytes than the input.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "net/resp.h"

namespace {

using detour::net::resp::Parse;
using detour::net::resp::ParseStatus;
using detour::net::resp::Value;

bool Same(const Value& a, const Value& b) {
  if (a.type != b.type || a.str != b.str || a.num != b.num || a.elems.size() != b.elems.size()) return false;
  for (size_t i = 0; i < a.elems.size(); ++i)
    if (!Same(a.elems[i], b.elems[i])) return false;
  return true;
}

struct Run {
  std::vector<Value> replies;
  size_t consumed = 0;
  bool bad = false;
};

// Parses `in` fed in pieces of the given sizes, the way RedisConn::Receive does.
Run Feed(std::string_view in, const std::vector<size_t>& pieces) {
  Run r;
  std::string buf;
  size_t fed = 0;
  for (size_t piece : pieces) {
    buf.append(in.substr(fed, piece));
    fed += piece;
    for (;;) {
      size_t pos = 0;
      Value v;
      ParseStatus st = Parse(buf, &pos, &v);
      if (st == ParseStatus::kNeedMore) {
        if (pos != 0) __builtin_trap();
        break;
      }
      if (st == ParseStatus::kBad) {
        r.bad = true;
        return r;
      }
      if (pos == 0 || pos > buf.size()) __builtin_trap();
      if (v.type == Value::Type::kBulk && v.str.size() > in.size()) __builtin_trap();
      buf.erase(0, pos);
      r.consumed += pos;
      r.replies.push_back(std::move(v));
    }
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Run whole = Feed(in, {size});
  detour::fuzz::InputRng rng(data, size);
  Run split = Feed(in, detour::fuzz::SplitSizes(rng, size));
  if (whole.bad != split.bad) __builtin_trap();
  if (!whole.bad && whole.consumed != split.consumed) __builtin_trap();
  size_t n = std::min(whole.replies.size(), split.replies.size());
  for (size_t i = 0; i < n; ++i)
    if (!Same(whole.replies[i], split.replies[i])) __builtin_trap();
  if (!whole.bad && whole.replies.size() != split.replies.size()) __builtin_trap();
  return 0;
}
