// OTLP traces (server/otlp_spans.h, otlp_exporter.h): the JSON shape of a request span and
// its attempt spans, and an export received by a collector on loopback.
#include <doctest/doctest.h>

#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "server/otlp_exporter.h"
#include "server/otlp_spans.h"
#include "unit/server/report_fixture.h"
#include "unit/net/http_server_test_util.h"

namespace detour {
namespace {

using nlohmann::json;

using report_fixture::At;

RequestReport FellBack() {
  AttemptRecord ok = report_fixture::Succeeded({2, "claude", "anthropic/claude-sonnet-4-6", "backup", 150, 700});
  ok.usage = {12, 30};
  return report_fixture::Answered(
      "claude", "backup", 900,
      {report_fixture::Failed({1, "gpt", "openai/gpt-4o", "fast", 1, 100}, ErrorKind::kServerError, 503), ok}, 0.5);
}

// attributes [{key, value: {stringValue|intValue|...}}] -> key -> the value object
std::map<std::string, json> Attrs(const json& span) {
  std::map<std::string, json> out;
  for (const auto& a : span.at("attributes")) out[a.at("key").get<std::string>()] = a.at("value");
  return out;
}

TEST_CASE("otlp: a request span and a child span per attempt, GenAI attribute names") {
  SpanIds ids{0x0123456789abcdefull, 0xfedcba9876543210ull, 0x1111, {0x2222, 0x3333}};
  auto spans = RequestSpans(FellBack(), ids);
  REQUIRE(spans.size() == 3);
  const json& root = spans[0];
  CHECK(root["traceId"] == "0123456789abcdeffedcba9876543210");
  CHECK(root["spanId"] == "0000000000001111");
  CHECK_FALSE(root.contains("parentSpanId"));
  CHECK(root["name"] == "chat fast");
  CHECK(root["kind"] == 2);
  CHECK(root["startTimeUnixNano"] == "1796576584120000000");
  CHECK(root["endTimeUnixNano"] == "1796576585020000000");
  auto a = Attrs(root);
  CHECK(a["gen_ai.request.model"] == json{{"stringValue", "fast"}});
  CHECK(a["gen_ai.system"] == json{{"stringValue", "anthropic"}});
  CHECK(a["gen_ai.response.model"] == json{{"stringValue", "claude-sonnet-4-6"}});
  CHECK(a["gen_ai.usage.input_tokens"] == json{{"intValue", "12"}});
  CHECK(a["gen_ai.usage.output_tokens"] == json{{"intValue", "30"}});
  CHECK(a["detour.deployment"] == json{{"stringValue", "claude"}});
  CHECK(a["detour.team"] == json{{"stringValue", "search"}});
  CHECK(a["detour.outcome"] == json{{"stringValue", "ok"}});
  CHECK(a["detour.request_id"] == json{{"stringValue", "req_00000000000000ab"}});
  CHECK(a["detour.attempts"] == json{{"intValue", "2"}});
  CHECK(a["detour.cost_usd"] == json{{"doubleValue", 0.5}});

  for (int i : {1, 2}) {
    CHECK(spans[i]["traceId"] == root["traceId"]);
    CHECK(spans[i]["parentSpanId"] == root["spanId"]);
    CHECK(spans[i]["kind"] == 3);
  }
  CHECK(spans[1]["spanId"] == "0000000000002222");
  CHECK(spans[1]["name"] == "attempt gpt");
  CHECK(spans[1]["startTimeUnixNano"] == "1796576584121000000");
  CHECK(spans[1]["endTimeUnixNano"] == "1796576584221000000");
  CHECK(spans[1]["status"]["code"] == 2);
  auto f = Attrs(spans[1]);
  CHECK(f["gen_ai.system"] == json{{"stringValue", "openai"}});
  CHECK(f["gen_ai.request.model"] == json{{"stringValue", "gpt-4o"}});
  CHECK(f["detour.outcome"] == json{{"stringValue", "server_error"}});
  CHECK(f["error.type"] == json{{"stringValue", "server_error"}});
  CHECK(f["http.response.status_code"] == json{{"intValue", "503"}});
  CHECK_FALSE(f.count("gen_ai.usage.input_tokens"));
  auto ok = Attrs(spans[2]);
  CHECK(ok["gen_ai.usage.output_tokens"] == json{{"intValue", "30"}});
  CHECK(ok["detour.model_group"] == json{{"stringValue", "backup"}});
}

TEST_CASE("otlp: a failed request's span has an ERROR status and the kind") {
  RequestReport r;
  r.requested = "fast";
  r.status = 504;
  r.error = MakeError(ErrorKind::kTimeout, "slow");
  auto spans = RequestSpans(r, SpanIds{1, 2, 3, {}});
  REQUIRE(spans.size() == 1);
  CHECK(spans[0]["status"] == json{{"code", 2}, {"message", "timeout"}});
  CHECK(Attrs(spans[0])["detour.outcome"] == json{{"stringValue", "timeout"}});
}

TEST_CASE("otlp: the body nests resourceSpans / scopeSpans / spans with service.name") {
  json body = TracesBody("gw", {json{{"spanId", "x"}}});
  CHECK(body == json::parse(R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name",)"
                            R"("value":{"stringValue":"gw"}}]},"scopeSpans":[{"scope":{"name":"detour"},)"
                            R"("spans":[{"spanId":"x"}]}]}]})"));
}

TEST_CASE("otlp: the exporter posts batches to a loopback collector, parents before children") {
  std::mutex mu;
  std::vector<json> bodies;
  std::vector<std::string> content_types;
  servertest::Served collector([&](net::HttpServer& h) {
    h.Route("POST", "/v1/traces", [&](const net::ServerRequest& req, net::ServerResponse& out) {
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(json::parse(req.body));
      content_types.push_back(req.Header("content-type"));
      out.body = "{}";
    });
  });
  {
    OtlpExporter exporter("http://127.0.0.1:" + std::to_string(collector.port()), "detour-test");
    for (int i = 0; i < 3; ++i) exporter.OnRequestEnd(FellBack());
    exporter.Flush();
  }
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE_FALSE(bodies.empty());
  std::vector<json> spans;
  for (const auto& b : bodies) {
    const json& rs = b.at("resourceSpans").at(0);
    CHECK(rs["resource"]["attributes"][0]["value"]["stringValue"] == "detour-test");
    for (const auto& s : rs.at("scopeSpans").at(0).at("spans")) spans.push_back(s);
  }
  for (const auto& ct : content_types) CHECK(ct == "application/json");
  REQUIRE(spans.size() == 9);
  std::set<std::string> traces;
  for (int r = 0; r < 3; ++r) {
    const json& root = spans[r * 3];
    traces.insert(root["traceId"].get<std::string>());
    CHECK(root["traceId"].get<std::string>().size() == 32);
    CHECK(root["spanId"].get<std::string>().size() == 16);
    for (int i = 1; i <= 2; ++i) {
      CHECK(spans[r * 3 + i]["traceId"] == root["traceId"]);
      CHECK(spans[r * 3 + i]["parentSpanId"] == root["spanId"]);
      CHECK(spans[r * 3 + i]["spanId"] != root["spanId"]);
    }
  }
  CHECK(traces.size() == 3);  // a trace per request
}

}  // namespace
}  // namespace detour
