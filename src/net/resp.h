// RESP2, the Redis protocol (https://redis.io/docs/reference/protocol-spec/): commands are
// encoded as arrays of bulk strings; replies are parsed incrementally from a buffer that
// grows as bytes arrive. Pure functions, no I/O; net/redis_conn.* does the talking.
//
// The parser faces the network, so it bounds everything it is told: nesting depth, array
// length and bulk size, and never reads past the buffer (tests/fuzz/fuzz_resp.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace detour::net::resp {

struct Value {
  enum class Type { kSimple, kError, kInt, kBulk, kNil, kArray };
  Type type = Type::kNil;
  std::string str;           // kSimple, kError, kBulk
  int64_t num = 0;           // kInt
  std::vector<Value> elems;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

// One command: `*N\r\n` then `$len\r\nbytes\r\n` per argument (binary safe).
std::string Command(const std::vector<std::string>& args);
void AppendCommand(std::string& out, const std::vector<std::string>& args);

enum class ParseStatus { kDone, kNeedMore, kBad };

// Parses one reply from buf[*pos...]. kDone: *out is set and *pos is past it. kNeedMore:
// the reply is not complete yet (nothing consumed). kBad: not RESP2, or over the bounds.
ParseStatus Parse(std::string_view buf, size_t* pos, Value* out);

inline constexpr int kMaxDepth = 8;
inline constexpr int64_t kMaxArray = 1 << 20;
inline constexpr int64_t kMaxBulk = 64ll << 20;

}  // namespace detour::net::resp
