// The response cache (core/response_cache.*, core/response_cache_route.*): the key's
// normalisation, ttl on a FakeClock, LRU eviction, concurrent use, and the stream
// recorder / replay that let streams store and read the same entries.
#include <doctest/doctest.h>

#include <thread>

#include "core/response_cache.h"
#include "core/response_cache_route.h"

namespace detour {
namespace {

Json Parse(const char* text) { return Json::parse(text); }

CachedAnswer Answer(const std::string& text, const std::string& deployment = "a") {
  CachedAnswer a;
  a.response.body = {{"id", "chatcmpl-1"},
                     {"object", "chat.completion"},
                     {"created", 7},
                     {"model", "m-a"},
                     {"choices", Json::array({{{"index", 0},
                                                {"message", {{"role", "assistant"}, {"content", text}}},
                                                {"finish_reason", "stop"}}})},
                     {"usage", {{"prompt_tokens", 3}, {"completion_tokens", 4}, {"total_tokens", 7}}}};
  a.response.usage = {3, 4};
  a.response.model = "m-a";
  a.deployment = deployment;
  a.group = "g";
  return a;
}

std::string Text(const std::shared_ptr<const CachedAnswer>& a) {
  return a->response.body["choices"][0]["message"]["content"].get<std::string>();
}

TEST_CASE("cache key: key order and number spelling do not matter; what changes the answer does") {
  auto key = [](const char* body) { return ResponseCache::KeyOf("g", Parse(body)); };
  std::string base = key(R"({"model":"g","messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5})");
  CHECK(base == key(R"({"top_p":0.5,"temperature":1.0,"messages":[{"content":"hi","role":"user"}],"model":"g"})"));
  // Routing and delivery fields are not part of it.
  CHECK(base == key(R"({"model":"other","stream":true,"stream_options":{"include_usage":true},"user":"u1",
                        "messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5})"));
  // Output-affecting fields are.
  CHECK(base != key(R"({"messages":[{"role":"user","content":"hi"}],"temperature":0.7,"top_p":0.5})"));
  CHECK(base != key(R"({"messages":[{"role":"user","content":"hi!"}],"temperature":1,"top_p":0.5})"));
  CHECK(base != key(R"({"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5,"seed":1})"));
  CHECK(base != key(R"({"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5,"max_tokens":5})"));
  CHECK(base != key(R"({"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5,
                        "response_format":{"type":"json_object"}})"));
  CHECK(base != key(R"({"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5,"some_new_field":1})"));
  // The group asked for is.
  CHECK(base != ResponseCache::KeyOf("h", Parse(R"({"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0.5})")));
  // Message order is meaning, not spelling.
  CHECK(key(R"({"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})") !=
        key(R"({"messages":[{"role":"user","content":"b"},{"role":"user","content":"a"}]})"));
}

TEST_CASE("cache: a stored answer is served until its ttl, then gone") {
  FakeClock clock;
  ResponseCache cache(Millis(1000), 10, clock);
  CHECK(cache.Get("k") == nullptr);
  cache.Put("k", Answer("one"));
  REQUIRE(cache.Get("k") != nullptr);
  CHECK(Text(cache.Get("k")) == "one");
  CHECK(cache.Get("k")->deployment == "a");
  clock.Advance(Millis(999));
  CHECK(cache.Get("k") != nullptr);  // a read does not extend the ttl
  clock.Advance(Millis(1));
  CHECK(cache.Get("k") == nullptr);
  CHECK(cache.size() == 0);
  cache.Put("k", Answer("two"));  // stored again: a fresh ttl
  clock.Advance(Millis(500));
  CHECK(Text(cache.Get("k")) == "two");
}

TEST_CASE("cache: at max_entries the least recently used entry goes first") {
  FakeClock clock;
  ResponseCache cache(Millis(60000), 2, clock);
  cache.Put("a", Answer("A"));
  cache.Put("b", Answer("B"));
  CHECK(cache.Get("a") != nullptr);  // a is now more recent than b
  cache.Put("c", Answer("C"));
  CHECK(cache.size() == 2);
  CHECK(cache.Get("b") == nullptr);
  CHECK(cache.Get("a") != nullptr);
  CHECK(cache.Get("c") != nullptr);
  cache.Put("c", Answer("C2"));  // replacing is not growing
  CHECK(cache.size() == 2);
  CHECK(Text(cache.Get("c")) == "C2");
  cache.Put("d", Answer("D"));  // a was read before c was replaced: a goes
  CHECK(cache.Get("a") == nullptr);

  ResponseCache none(Millis(60000), 0, clock);
  none.Put("a", Answer("A"));
  CHECK(none.Get("a") == nullptr);
}

TEST_CASE("cache: concurrent readers and writers keep it consistent and bounded") {
  FakeClock clock;
  ResponseCache cache(Millis(60000), 16, clock);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; i++) {
        std::string key = "k" + std::to_string((i * 7 + t) % 40);
        if (i % 3 == 0) cache.Put(key, Answer(key));
        else if (auto hit = cache.Get(key); hit && Text(hit) != key) wrong++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
  CHECK(cache.size() <= 16);
}

// Collects what a stream consumer receives.
struct Sink : StreamConsumer {
  std::vector<Json> chunks;
  std::string text;
  RouteInfo route;
  int commits = 0;
  int stop_after = -1;
  bool OnCommit(const RouteInfo& r) override {
    commits++;
    route = r;
    return true;
  }
  bool OnChunk(StreamChunk& c) override {
    chunks.push_back(c.data);
    text += c.text;
    return stop_after < 0 || static_cast<int>(chunks.size()) < stop_after;
  }
};

TEST_CASE("cache replay: a cached answer streams as role, content pieces, finish, and usage when asked") {
  std::string long_text(200, 'x');
  long_text += "\xC3\xA9";  // a two-byte character must not be cut
  CachedAnswer hit = Answer(long_text);
  ChatRequest req;
  req.client_wants_usage = true;
  Sink sink;
  auto end = ReplayCached(hit, req, CacheUse::HitRoute(hit, "g"), sink);
  REQUIRE(end.ok());
  CHECK(sink.commits == 1);
  CHECK(sink.route.cache == CacheStatus::kHit);
  CHECK(sink.route.deployment == "a");
  CHECK(sink.route.attempts.empty());
  REQUIRE(sink.chunks.size() >= 5);
  CHECK(sink.chunks.front()["choices"][0]["delta"]["role"] == "assistant");
  CHECK(sink.chunks.front()["object"] == "chat.completion.chunk");
  CHECK(sink.chunks.front()["id"] == "chatcmpl-1");
  CHECK(sink.chunks.front()["model"] == "m-a");
  std::string joined;
  for (const Json& c : sink.chunks) {
    if (c["choices"].empty()) continue;
    const Json& delta = c["choices"][0]["delta"];
    if (delta.contains("content")) {
      CHECK_NOTHROW((void)Json(delta["content"]).dump());  // valid UTF-8 in every piece
      joined += delta["content"].get<std::string>();
    }
  }
  CHECK(joined == long_text);
  CHECK(sink.text == long_text);
  const Json& finish = sink.chunks[sink.chunks.size() - 2];
  CHECK(finish["choices"][0]["finish_reason"] == "stop");
  const Json& usage = sink.chunks.back();
  CHECK(usage["choices"].empty());
  CHECK(usage["usage"]["completion_tokens"] == 4);
  CHECK(end->usage.prompt_tokens == 3);
  CHECK(end->usage_reported);
  CHECK(end->finish_reason == "stop");

  Sink quiet;
  req.client_wants_usage = false;
  REQUIRE(ReplayCached(hit, req, CacheUse::HitRoute(hit, "g"), quiet).ok());
  CHECK_FALSE(quiet.chunks.back()["choices"].empty());  // no usage chunk

  Sink leaving;
  leaving.stop_after = 2;
  auto stopped = ReplayCached(hit, req, CacheUse::HitRoute(hit, "g"), leaving);
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.error().error.kind == ErrorKind::kCanceled);
  CHECK(leaving.chunks.size() == 2);
}

TEST_CASE("cache replay: tool calls stream whole, with their index") {
  CachedAnswer hit = Answer("");
  Json& msg = hit.response.body["choices"][0]["message"];
  msg["content"] = nullptr;
  msg["tool_calls"] = Json::array({{{"id", "call_1"}, {"type", "function"},
                                    {"function", {{"name", "f"}, {"arguments", "{\"x\":1}"}}}}});
  hit.response.body["choices"][0]["finish_reason"] = "tool_calls";
  Sink sink;
  REQUIRE(ReplayCached(hit, ChatRequest{}, CacheUse::HitRoute(hit, "g"), sink).ok());
  REQUIRE(sink.chunks.size() == 3);  // role, the calls, finish
  const Json& call = sink.chunks[1]["choices"][0]["delta"]["tool_calls"][0];
  CHECK(call["index"] == 0);
  CHECK(call["id"] == "call_1");
  CHECK(call["function"]["arguments"] == "{\"x\":1}");
  CHECK(sink.chunks[2]["choices"][0]["finish_reason"] == "tool_calls");
}

StreamChunk Chunk(const std::string& text, std::optional<std::string> finish = {}) {
  StreamChunk c;
  c.data = {{"id", "chatcmpl-s"}, {"created", 9}, {"model", "m-s"},
            {"choices", Json::array({{{"index", 0}, {"delta", {{"content", text}}}}})}};
  c.text = text;
  c.has_content = !text.empty();
  c.finish_reason = finish;
  return c;
}

TEST_CASE("stream recorder: marks the route a miss and rebuilds a text answer that finished") {
  Sink sink;
  StreamRecorder rec(sink, CacheStatus::kMiss);
  REQUIRE(rec.OnCommit(RouteInfo{}));
  CHECK(sink.route.cache == CacheStatus::kMiss);
  for (auto c : {Chunk("Hel"), Chunk("lo"), Chunk("", "stop")}) rec.OnChunk(c);
  StreamEnd end;
  end.usage = {5, 2};
  end.model = "m-s";
  auto answer = rec.Answer(end);
  REQUIRE(answer);
  CHECK(answer->body["choices"][0]["message"]["content"] == "Hello");
  CHECK(answer->body["choices"][0]["finish_reason"] == "stop");
  CHECK(answer->body["id"] == "chatcmpl-s");
  CHECK(answer->body["object"] == "chat.completion");
  CHECK(answer->body["usage"]["total_tokens"] == 7);
  CHECK(answer->usage.completion_tokens == 2);
  CHECK(sink.text == "Hello");  // everything reached the client

  Sink s2;
  StreamRecorder tools(s2, CacheStatus::kMiss);
  StreamChunk call = Chunk("");
  call.text_only = false;
  tools.OnChunk(call);
  auto stop = Chunk("", "tool_calls");
  tools.OnChunk(stop);
  CHECK_FALSE(tools.Answer(end));  // tool calls are not rebuilt

  Sink s3;
  StreamRecorder off(s3, CacheStatus::kOff);
  off.OnCommit(RouteInfo{});
  CHECK(s3.route.cache == CacheStatus::kOff);
  auto c = Chunk("x", "stop");
  off.OnChunk(c);
  CHECK_FALSE(off.Answer(end));
}

TEST_CASE("cache use: no-cache stores without reading, no-store does neither") {
  FakeClock clock;
  ResponseCache cache(Millis(60000), 10, clock);
  ChatRequest req;
  req.body = Parse(R"({"messages":[{"role":"user","content":"hi"}]})");
  RouteInfo route;
  route.deployment = "a";
  route.group = "g";
  ChatResponse resp = Answer("x").response;

  req.overrides.cache = CacheDirective::kNoStore;
  CacheUse(&cache, "g", req).Store(resp, route);
  CHECK(cache.size() == 0);
  req.overrides.cache = CacheDirective::kNoCache;
  CacheUse no_cache(&cache, "g", req);
  no_cache.Store(resp, route);
  CHECK(cache.size() == 1);
  CHECK(no_cache.Lookup() == nullptr);
  req.overrides.cache = CacheDirective::kNormal;
  CHECK(CacheUse(&cache, "g", req).Lookup() != nullptr);
  CHECK(CacheUse(nullptr, "g", req).Lookup() == nullptr);
  CHECK(CacheUse(nullptr, "g", req).live_status() == CacheStatus::kOff);
}

}  // namespace
}  // namespace detour
