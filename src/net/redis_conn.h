// One connection to Redis speaking RESP2 (net/resp.h) over net::Socket, so it waits the
// fiber way: on a fiber a round trip parks the fiber, never its scheduler thread; on an
// ordinary thread it blocks that thread. Every call has a deadline; after a timeout or an
// error the connection is in an unknown state and the caller must drop it.
//
// Open connects (TLS for rediss://, with certificate and host verification), then AUTH
// when a password is set and SELECT when db != 0, all pipelined in one round trip. Error
// texts name the host and what failed, never the password.
//
// Not thread-safe: one flow uses a connection at a time (like net::Socket).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net/resp.h"
#include "net/socket.h"
#include "util/expected.h"

namespace detour::net {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  bool tls = false;
  int db = 0;
  std::string username;  // empty: the default user
  std::string password;  // empty: no AUTH
  std::string Name() const { return host + ":" + std::to_string(port); }
};

class RedisConn {
 public:
  static Expected<std::unique_ptr<RedisConn>, std::string> Open(const RedisEndpoint& ep,
                                                               fiber::TimePoint until);

  // Sends every command (already encoded, resp::AppendCommand) in one write and reads
  // `count` replies. Error replies are values (Value::is_error); anything but kOk is I/O
  // (kTimeout: `until` passed; kError also for a reply that is not RESP).
  IoStatus Exchange(std::string_view commands, size_t count, std::vector<resp::Value>* replies,
                fiber::TimePoint until);
  // Reads the next pushed reply (pub/sub messages). kTimeout leaves the connection usable.
  IoStatus Receive(resp::Value* out, fiber::TimePoint until);

 private:
  explicit RedisConn(std::unique_ptr<Socket> s) : sock_(std::move(s)) {}
  std::unique_ptr<Socket> sock_;
  std::string in_;  // bytes read but not parsed yet
};

}  // namespace detour::net
