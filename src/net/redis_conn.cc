#include "net/redis_conn.h"

namespace detour::net {

Expected<std::unique_ptr<RedisConn>, std::string> RedisConn::Open(const RedisEndpoint& ep,
                                                                 fiber::TimePoint until) {
  std::unique_ptr<Socket> sock;
  std::string why;
  IoStatus st = Connect(ep.host, ep.port, until, &sock, &why);
  if (st != IoStatus::kOk)
    return Fail(ep.Name() + ": " + (st == IoStatus::kTimeout ? "connect timed out" : why));
  if (ep.tls && sock->StartTls(ep.host, true, until, &why) != IoStatus::kOk)
    return Fail(ep.Name() + ": TLS: " + why);
  std::unique_ptr<RedisConn> conn(new RedisConn(std::move(sock)));
  std::string hello;
  size_t count = 0;
  if (!ep.password.empty()) {
    if (ep.username.empty()) resp::AppendCommand(hello, {"AUTH", ep.password});
    else resp::AppendCommand(hello, {"AUTH", ep.username, ep.password});
    ++count;
  }
  if (ep.db != 0) {
    resp::AppendCommand(hello, {"SELECT", std::to_string(ep.db)});
    ++count;
  }
  resp::AppendCommand(hello, {"PING"});
  ++count;
  std::vector<resp::Value> replies;
  if (conn->Exchange(hello, count, &replies, until) != IoStatus::kOk)
    return Fail(ep.Name() + ": no answer to the handshake");
  for (const auto& r : replies) {
    // Redis's own error text ("WRONGPASS invalid username-password pair", "NOAUTH ...")
    // never contains the password.
    if (r.is_error()) return Fail(ep.Name() + ": " + r.str);
  }
  return conn;
}

IoStatus RedisConn::Exchange(std::string_view commands, size_t count, std::vector<resp::Value>* replies,
                             fiber::TimePoint until) {
  replies->clear();
  if (IoStatus st = sock_->WriteAll(commands, until); st != IoStatus::kOk) return st;
  while (replies->size() < count) {
    resp::Value v;
    if (IoStatus st = Receive(&v, until); st != IoStatus::kOk) return st;
    replies->push_back(std::move(v));
  }
  return IoStatus::kOk;
}

IoStatus RedisConn::Receive(resp::Value* out, fiber::TimePoint until) {
  for (;;) {
    size_t pos = 0;
    switch (resp::Parse(in_, &pos, out)) {
      case resp::ParseStatus::kDone:
        in_.erase(0, pos);
        return IoStatus::kOk;
      case resp::ParseStatus::kBad:
        return IoStatus::kError;
      case resp::ParseStatus::kNeedMore:
        break;
    }
    IoStatus st = sock_->ReadAppend(in_, until);
    if (st != IoStatus::kOk) return st;
  }
}

}  // namespace detour::net
