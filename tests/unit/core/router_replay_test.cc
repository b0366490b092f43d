// Stream repair (SPEC 3.5, stream_resume = "replay", the default): a stream cut after
// commit is re-sent along the rest of the chain; the client gets one seamless answer, or
// the error when no replay reproduces the text it already has.
#include "router_harness.h"

namespace detour::router_test {
namespace {

// a (primary) streams "Hel" "lo" and is cut; b (backup) answers with `backup` pieces.
Expected<StreamResult, RouteFailure> CutThenReplay(std::unique_ptr<Harness>& h, Collector& out,
                                                  std::vector<std::string> backup, const std::string& router = "") {
  FakeScript s;
  FakeStep cut = FakeStep::Stream({"Hel", "lo", " wor", "ld"});
  cut.mode = FakeMode::kCut;
  cut.cut_after = 3;  // role, "Hel", "lo"
  s.Route("/a", {cut});
  s.Route("/b", {FakeStep::Stream(std::move(backup))});
  h = std::make_unique<Harness>(s, PrimaryBackup("num_retries = 1\n" + router));
  ChatRequest req = Harness::Ask("primary");
  req.stream = true;
  return h->router->Stream(req, out, {});
}

TEST_CASE("replay: the backup reproduces the sent text; the client gets only the rest, once") {
  std::unique_ptr<Harness> h;
  Collector out;
  auto r = CutThenReplay(h, out, {"Hel", "lo", " world", "!"});
  REQUIRE(r.ok());
  CHECK(out.text == "Hello world!");
  CHECK(out.role_chunks == 1);
  CHECK(out.commits == 1);
  CHECK(r->route.deployment == "b");
  REQUIRE(r->route.attempts.size() == 2);
  CHECK(r->route.attempts[0].kind == ErrorKind::kConnection);
  CHECK(h->Hits("/a") == 1);  // the cut deployment is not re-sent
}

TEST_CASE("replay: the replayed text may be split differently, even across the catch-up point") {
  std::unique_ptr<Harness> h;
  Collector out;
  auto r = CutThenReplay(h, out, {"H", "ello wor", "ld"});
  REQUIRE(r.ok());
  CHECK(out.text == "Hello world");
}

TEST_CASE("replay that diverges: the stream fails as committed and nothing of the backup leaks") {
  std::unique_ptr<Harness> h;
  Collector out;
  auto r = CutThenReplay(h, out, {"Goodbye", " now"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().committed);
  CHECK(out.text == "Hello");
  CHECK(h->Hits("/b") == 1);
  REQUIRE(r.error().attempts.size() == 2);
  CHECK(r.error().attempts[1].message.find("replay") != std::string::npos);
}

TEST_CASE("replay that ends before catching up is a failure too") {
  std::unique_ptr<Harness> h;
  Collector out;
  auto r = CutThenReplay(h, out, {"He"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().committed);
  CHECK(out.text == "Hello");
}

TEST_CASE("stream_resume = off: no replay, the cut is the client's error") {
  std::unique_ptr<Harness> h;
  Collector out;
  auto r = CutThenReplay(h, out, {"Hel", "lo", " world"}, "stream_resume = \"off\"");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().committed);
  CHECK(h->Hits("/b") == 0);
}

TEST_CASE("a stream that sent tool calls is not replayed: the cut is the client's error, no re-send") {
  const std::string role =
      R"(data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})";
  const std::string tool =
      R"(data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{"}}]}}]})";
  FakeScript s;
  FakeStep cut = FakeStep::Status(200, role + "\n\n" + tool + "\n\n");  // ends without a finish reason
  cut.headers = {{"content-type", "text/event-stream"}};
  s.Route("/a", {cut});
  s.Route("/b", {FakeStep::Stream({"text"})});
  Harness h(s, PrimaryBackup("num_retries = 1"));
  ChatRequest req = Harness::Ask("primary");
  req.stream = true;
  Collector out;
  auto r = h.router->Stream(req, out, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().committed);
  CHECK(out.commits == 1);
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("replay goes on along the chain: after one replay diverges, the next one may hold") {
  FakeScript s;
  FakeStep cut = FakeStep::Stream({"Hel", "lo", " wor", "ld"});
  cut.mode = FakeMode::kCut;
  cut.cut_after = 3;  // role, "Hel", "lo"
  s.Route("/a", {cut});
  s.Route("/b", {FakeStep::Stream({"Goodbye"})});
  s.Route("/c", {FakeStep::Stream({"Hello", " world"})});
  Harness h(s, PrimaryBackup("num_retries = 1\nstrategy = \"priority\"", R"(order = 1

[[deployments]]
id = "c"
model_name = "backup"
provider = "openai-compatible"
model = "m-c"
api_base = "{BASE}/c/v1"
order = 2
)"));
  ChatRequest req = Harness::Ask("primary");
  req.stream = true;
  Collector out;
  auto r = h.router->Stream(req, out, {});
  REQUIRE(r.ok());
  CHECK(out.text == "Hello world");
  CHECK(r->route.deployment == "c");
  CHECK(h.Hits("/b") == 1);
  CHECK(r->route.attempts.size() == 3);
}

}  // namespace
}  // namespace detour::router_test
