// Session keys and the bounded session map of session affinity (core/session_affinity.h).
#include <doctest/doctest.h>

#include "core/session_affinity.h"

namespace detour {
namespace {

ChatRequest Req(Json body, std::string header = "") {
  ChatRequest r;
  r.body = std::move(body);
  r.session = std::move(header);
  return r;
}

Json Conversation(const std::string& system, const std::string& first, int turns) {
  Json messages = Json::array({{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", first}}});
  for (int i = 0; i < turns; ++i) {
    messages.push_back({{"role", "assistant"}, {"content", "answer " + std::to_string(i)}});
    messages.push_back({{"role", "user"}, {"content", "more " + std::to_string(i)}});
  }
  return {{"messages", messages}};
}

TEST_CASE("the session key: the header, else `user`, else a hash of system + first user message") {
  Json body = Conversation("be brief", "hello", 0);
  body["user"] = "alice";
  CHECK(SessionKey(Req(body, "conv-7")) == "s:conv-7");
  CHECK(SessionKey(Req(body)) == "u:alice");
  std::string k0 = SessionKey(Req(Conversation("be brief", "hello", 0)));
  CHECK(k0.rfind("h:", 0) == 0);
  CHECK(k0.size() == 18);
  // Later turns do not change the key; another system prompt or opening does.
  CHECK(SessionKey(Req(Conversation("be brief", "hello", 19))) == k0);
  CHECK(SessionKey(Req(Conversation("be long", "hello", 0))) != k0);
  CHECK(SessionKey(Req(Conversation("be brief", "hi", 0))) != k0);
  // Moving text between the two parts changes the key (they are separated).
  CHECK(SessionKey(Req(Conversation("ab", "c", 0))) != SessionKey(Req(Conversation("a", "bc", 0))));
  CHECK(SessionKey(Req(Json::object())) == "");
}

TEST_CASE("the session map forgets an entry ttl after its last answer") {
  FakeClock clock;
  SessionMap m(10, Millis(1000));
  m.Put("s", "d1", clock.Now());
  clock.Advance(Millis(900));
  CHECK(m.Get("s", clock.Now()) == "d1");
  m.Put("s", "d2", clock.Now());  // answered again (and moved): the ttl restarts
  clock.Advance(Millis(900));
  CHECK(m.Get("s", clock.Now()) == "d2");
  clock.Advance(Millis(101));
  CHECK_FALSE(m.Get("s", clock.Now()).has_value());
  CHECK(m.size() == 0);
}

TEST_CASE("the session map holds at most `capacity` sessions, least recently answered out first") {
  FakeClock clock;
  SessionMap m(3, Millis(60000));
  for (const char* s : {"a", "b", "c"}) m.Put(s, "d", clock.Now());
  m.Put("a", "d", clock.Now());  // a is now the most recent
  m.Put("e", "d", clock.Now());  // b goes
  CHECK(m.size() == 3);
  CHECK_FALSE(m.Get("b", clock.Now()).has_value());
  CHECK(m.Get("a", clock.Now()).has_value());
  CHECK(m.Get("c", clock.Now()).has_value());
  CHECK(m.Get("e", clock.Now()).has_value());
}

}  // namespace
}  // namespace detour
