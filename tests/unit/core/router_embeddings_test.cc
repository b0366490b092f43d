// POST /v1/embeddings through the routing core: the same retries and fallbacks as chat,
// asserted at the upstream.
#include "router_harness.h"

namespace detour::router_test {
namespace {

const char* kEmbeddings = R"({"object":"list","model":"text-embedding-3-small",
  "data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2,0.3]}],
  "usage":{"prompt_tokens":4,"total_tokens":4}})";

EmbeddingRequest Embed(const std::string& model) {
  EmbeddingRequest r;
  r.model = model;
  r.body = {{"model", model}, {"input", "hello world"}};
  return r;
}

TEST_CASE("embeddings: a failing primary is retried, then the fallback answers") {
  FakeScript s;
  s.Route("/a", {Error(503, R"({"error":{"message":"down"}})")});
  FakeStep ok = FakeStep::Status(200, kEmbeddings);
  ok.headers.emplace_back("content-type", "application/json");
  s.Route("/b", {ok});
  Harness h(s, PrimaryBackup("num_retries = 1"));
  auto r = h.router->Embed(Embed("primary"));
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 2);
  CHECK(h.Hits("/b") == 1);
  CHECK(r->response.usage.prompt_tokens == 4);
  CHECK(r->response.body["data"][0]["embedding"].size() == 3);
  auto reqs = h.fake.Requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[2].path == "/b/v1/embeddings");
  CHECK(reqs[2].BodyJson()["model"] == "m-b");  // the deployment's model, not the group
  CHECK(reqs[2].BodyJson()["input"] == "hello world");
}

TEST_CASE("embeddings: a malformed answer is a failed attempt, never a crash") {
  FakeScript s;
  s.Route("/a", {FakeStep::Status(200, R"({"object":"list","data":"nope"})")});
  FakeStep ok = FakeStep::Status(200, kEmbeddings);
  s.Route("/b", {ok});
  Harness h(s, PrimaryBackup("num_retries = 0"));
  auto r = h.router->Embed(Embed("primary"));
  REQUIRE(r.ok());
  CHECK(r->route.attempts[0].kind == ErrorKind::kConnection);
  CHECK(r->route.deployment == "b");
}

}  // namespace
}  // namespace detour::router_test
