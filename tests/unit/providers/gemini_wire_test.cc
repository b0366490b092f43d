// Gemini wire conversion beyond the conformance scenarios: request options, schema
// cleaning, images, merged tool results, thoughtSignature carried through tool-call ids,
// finish reasons, usage details, and stream corner cases (repeated STOP, cumulative
// usage, a stream that never finishes).
#include <doctest/doctest.h>

#include "fake_http.h"
#include "providers/gemini/stream.h"
#include "providers/gemini/tool_ids.h"
#include "providers/gemini/wire.h"
#include "providers/provider.h"

namespace detour::gemini {
namespace {

TEST_CASE("gemini request: generation config, tool choice and schema cleaning") {
  Json in = Json::parse(R"({"model":"x","messages":[{"role":"user","content":"hi"}],
    "temperature":0.2,"top_p":0.9,"max_tokens":100,"max_completion_tokens":256,"stop":"END","n":2,"seed":7,
    "response_format":{"type":"json_object"},"user":"u1","logit_bias":{},"stream":true,
    "tools":[{"type":"function","function":{"name":"f","strict":true,"parameters":{"$schema":"x","type":"object",
      "additionalProperties":false,"properties":{"additionalProperties":{"type":"string"},
      "list":{"type":"array","items":{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}}}}}},
      {"type":"function","function":{"name":"noargs","parameters":{"type":"object","properties":{}}}}],
    "tool_choice":{"type":"function","function":{"name":"f"}}})");
  Json out = BuildBody(in);
  const Json& cfg = out["generationConfig"];
  CHECK(cfg["temperature"] == 0.2);
  CHECK(cfg["topP"] == 0.9);
  CHECK(cfg["maxOutputTokens"] == 256);
  CHECK(cfg["stopSequences"] == Json::array({"END"}));
  CHECK(cfg["candidateCount"] == 2);
  CHECK(cfg["seed"] == 7);
  CHECK(cfg["responseMimeType"] == "application/json");
  for (const char* dropped : {"model", "messages", "user", "logit_bias", "stream", "tool_choice"})
    CHECK_FALSE(out.contains(dropped));
  const Json& f = out["tools"][0]["functionDeclarations"][0];
  CHECK_FALSE(f.contains("strict"));
  CHECK_FALSE(f["parameters"].contains("$schema"));
  CHECK_FALSE(f["parameters"].contains("additionalProperties"));
  CHECK(f["parameters"]["properties"].contains("additionalProperties"));  // a property name stays
  CHECK_FALSE(f["parameters"]["properties"]["list"]["items"].contains("additionalProperties"));
  CHECK_FALSE(out["tools"][0]["functionDeclarations"][1].contains("parameters"));
  CHECK(out["toolConfig"]["functionCallingConfig"] == Json::parse(R"({"mode":"ANY","allowedFunctionNames":["f"]})"));
  CHECK(BuildBody(Json::parse(R"({"messages":[],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"})"))
            ["toolConfig"]["functionCallingConfig"]["mode"] == "NONE");
  CHECK(BuildBody(Json::parse(R"({"messages":[],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"})"))
            ["toolConfig"]["functionCallingConfig"]["mode"] == "ANY");
}

TEST_CASE("gemini request: images, merged turns, merged tool results, names from the call ids") {
  Json in = Json::parse(R"({"messages":[
    {"role":"system","content":"Be brief."},
    {"role":"developer","content":[{"type":"text","text":"No emoji."}]},
    {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
    {"role":"user","content":"And the weather?"},
    {"role":"assistant","content":"","tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_b","type":"function","function":{"name":"time","arguments":"not json"}}]},
    {"role":"tool","tool_call_id":"call_b","content":"{\"now\":\"12:00\"}"},
    {"role":"tool","tool_call_id":"call_a","content":"sunny"},
    {"role":"user","content":""}]})");
  Json out = BuildBody(in);
  CHECK(out["systemInstruction"]["parts"] == Json::parse(R"([{"text":"Be brief."},{"text":"No emoji."}])"));
  const Json& c = out["contents"];
  REQUIRE(c.size() == 3);  // user (merged), model, tool results (merged); the empty user turn is gone
  CHECK(c[0]["parts"].size() == 3);
  CHECK(c[0]["parts"][1]["inlineData"] == Json::parse(R"({"mimeType":"image/png","data":"iVBORw0KGgo="})"));
  CHECK(c[1]["role"] == "model");
  CHECK(c[1]["parts"].size() == 2);  // no empty text part
  CHECK(c[1]["parts"][0]["functionCall"]["args"] == Json{{"city", "Paris"}});
  CHECK(c[1]["parts"][1]["functionCall"]["args"] == Json::object());
  CHECK(c[2]["role"] == "user");
  CHECK(c[2]["parts"][0]["functionResponse"] == Json::parse(R"({"name":"time","response":{"now":"12:00"}})"));
  CHECK(c[2]["parts"][1]["functionResponse"] == Json::parse(R"({"name":"weather","response":{"content":"sunny"}})"));
}

TEST_CASE("gemini: thoughtSignature rides in the tool-call id and comes back byte-identical") {
  for (std::string sig : std::vector<std::string>{"CpUBAVs0aG9ughtZ+/sig==", "Cg", "abc+/=weird", std::string("\x01\xff", 2)}) {
    CAPTURE(sig);
    std::string id = MakeToolCallId("resp", 0, 1, "f", "{}", sig);
    CHECK(id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos);
    CHECK(SignatureFromId(id) == sig);
    Json back = BuildBody({{"messages", Json::array({{{"role", "assistant"}, {"tool_calls", Json::array({{{"id", id},
        {"type", "function"}, {"function", {{"name", "f"}, {"arguments", "{}"}}}}})}}})}});
    CHECK(back["contents"][0]["parts"][0]["thoughtSignature"] == sig);
  }
  CHECK(MakeToolCallId("resp", 0, 1, "f", "{}", "") == MakeToolCallId("resp", 0, 1, "f", "{}", ""));
  CHECK(MakeToolCallId("resp", 0, 1, "f", "{}", "") != MakeToolCallId("resp", 0, 2, "f", "{}", ""));
  CHECK(SignatureFromId("call_1").empty());
  CHECK(SignatureFromId("toolu_01A09q90qw90lq917835lq9").empty());
  CHECK(SignatureFromId(MakeToolCallId("r", 0, 0, "f", "{}", "")).empty());
}

TEST_CASE("gemini response: finish reasons, filtered answers as 200s, usage details") {
  CHECK(MapFinishReason("STOP", false) == "stop");
  CHECK(MapFinishReason("STOP", true) == "tool_calls");
  CHECK(MapFinishReason("MAX_TOKENS", false) == "length");
  for (const char* r : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"})
    CHECK(MapFinishReason(r, false) == "content_filter");
  CHECK(MapFinishReason("SOMETHING_NEW", false) == "stop");

  auto safety = ParseResponse(R"({"candidates":[{"finishReason":"SAFETY","index":0}],"usageMetadata":{"promptTokenCount":5}})", "m", 1);
  REQUIRE(safety.ok());
  CHECK(safety->body["choices"][0]["finish_reason"] == "content_filter");
  CHECK(safety->body["choices"][0]["message"]["content"] == "");

  auto thinking = ParseResponse(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"plan","thought":true},{"text":"Hi"}]},
    "finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":60,
    "candidatesTokenCount":1,"thoughtsTokenCount":40,"totalTokenCount":141}})", "gemini-x", 1);
  REQUIRE(thinking.ok());
  CHECK(thinking->model == "gemini-x");
  CHECK(thinking->body["choices"][0]["message"]["content"] == "Hi");
  CHECK(thinking->body["choices"][0]["finish_reason"] == "length");
  CHECK(thinking->usage.prompt_tokens == 100);
  CHECK(thinking->usage.completion_tokens == 41);
  CHECK(thinking->body["usage"]["prompt_tokens_details"]["cached_tokens"] == 60);
  CHECK(thinking->body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 40);
  CHECK(thinking->body["usage"]["total_tokens"] == 141);

  for (const char* bad : {"", "[]", "null", R"({"candidates":"x"})", R"({"candidates":[]})", R"({"candidates":[{"content":7}]})"}) {
    CAPTURE(bad);
    auto r = ParseResponse(bad, "m", 1);  // never throws; a candidate without parts is an empty answer
    if (!r.ok()) CHECK((r.error().kind == ErrorKind::kConnection || r.error().kind == ErrorKind::kServerError));
  }
}

struct Collected {
  std::vector<StreamChunk> chunks;
  ChunkSink sink = [this](StreamChunk& c) {
    chunks.push_back(c);
    return true;
  };
};

bool Feed(StreamReader& r, const std::string& json) { return r.OnEvent({"", json}); }

TEST_CASE("gemini stream: role first, STOP repeated on every event counts once, last usage wins") {
  Collected got;
  StreamReader r(got.sink, 1, 1700000000, "gemini-2.5-flash");
  CHECK(Feed(r, R"({"candidates":[{"content":{"parts":[{"text":"A"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":1}})"));
  CHECK(r.finished());
  CHECK(Feed(r, R"({"candidates":[{"content":{"parts":[{"text":"B"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2}})"));
  CHECK(Feed(r, R"({"responseId":"x"})"));  // no usage: the running totals stay
  int finishes = 0, usage_chunks = 0;
  std::string text;
  for (const auto& c : got.chunks) {
    finishes += c.finish_reason.has_value();
    usage_chunks += c.usage.has_value();
    text += c.text;
    CHECK(c.data["model"] == "gemini-2.5-flash");
    CHECK(c.data["created"] == 1700000000);
  }
  CHECK(got.chunks[0].data["choices"][0]["delta"]["role"] == "assistant");
  CHECK_FALSE(got.chunks[0].has_content);
  CHECK(finishes == 1);
  CHECK(usage_chunks == 1);
  CHECK(text == "AB");
  StreamEnd end = r.End("fallback");
  CHECK(end.usage_reported);
  CHECK(end.usage.completion_tokens == 2);
  CHECK(end.finish_reason == "stop");
  CHECK(end.model == "fallback");
}

TEST_CASE("gemini stream: n = 2 finishes only when both candidates have; tool calls number per choice") {
  Collected got;
  StreamReader r(got.sink, 2, 1, "m");
  CHECK(Feed(r, R"({"candidates":[{"index":0,"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},"finishReason":"STOP"},
    {"index":1,"content":{"parts":[{"text":"x"}]}}]})"));
  CHECK_FALSE(r.finished());
  CHECK(Feed(r, R"({"candidates":[{"index":1,"content":{"parts":[{"functionCall":{"name":"g","args":{}}}]},"finishReason":"STOP"}]})"));
  CHECK(r.finished());
  CHECK(r.End("m").finish_reason == "tool_calls");
  CHECK_FALSE(r.End("m").usage_reported);
  for (const auto& c : got.chunks)
    for (const Json& choice : c.data["choices"])
      if (choice["delta"].contains("tool_calls")) CHECK(choice["delta"]["tool_calls"][0]["index"] == 0);
}

TEST_CASE("gemini stream: a stream that ends without a finish reason is cut, not success") {
  testing::FakeHttp http;
  http.steps.push_back(testing::FakeHttpStep::Data("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}]}}]}\n\n"));
  DeploymentConfig dep;
  dep.provider = "gemini";
  dep.model = "gemini-2.5-flash";
  dep.api_base = "https://generativelanguage.googleapis.com";
  dep.api_key = "k-123456";
  auto p = MakeProvider(dep, http, SystemClock());
  AttemptLimits l;
  l.deadline = l.first_token_deadline = l.hard_deadline = SystemClock().Now() + Millis(5000);
  ChatRequest req;
  req.body = {{"messages", Json::array({{{"role", "user"}, {"content", "x"}}})}};
  auto s = p->Stream(req, l, [](StreamChunk&) { return true; });
  REQUIRE_FALSE(s);
  CHECK(s.error().kind == ErrorKind::kConnection);
  CHECK(http.last().url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
}

}  // namespace
}  // namespace detour::gemini
