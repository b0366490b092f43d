// The OpenAI family in the conformance suite: openai, openai-compatible and azure share
// the wire format (fixtures below, as OpenAI documents it) and differ in URL and auth.
#include <doctest/doctest.h>

#include "conformance.h"

namespace detour::conformance {
namespace {

std::string Completion(const std::string& message, const std::string& finish, int prompt, int completion) {
  return R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06",
    "choices":[{"index":0,"message":)" + message + R"(,"finish_reason":")" + finish + R"("}],
    "usage":{"prompt_tokens":)" + std::to_string(prompt) + R"(,"completion_tokens":)" +
         std::to_string(completion) + R"(,"total_tokens":)" + std::to_string(prompt + completion) + "}}";
}

std::string Call(const std::string& id, const std::string& city) {
  return R"({"id":")" + id + R"(","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\")" +
         city + R"(\"}"}})";
}

std::string Chunk(const std::string& delta, const std::string& finish = "null") {
  std::string f = finish == "null" ? "null" : "\"" + finish + "\"";
  return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
         "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + f + "}]}\n\n";
}

std::string UsageChunk(int prompt, int completion) {
  return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
         "\"choices\":[],\"usage\":{\"prompt_tokens\":" + std::to_string(prompt) +
         ",\"completion_tokens\":" + std::to_string(completion) + "}}\n\n";
}

ProviderSuite Family(const std::string& provider, const std::string& base, const std::string& auth_header,
                     const std::string& auth_value, const std::string& url_part) {
  ProviderSuite s;
  s.name = provider;
  s.dep.id = provider;
  s.dep.provider = provider;
  s.dep.model = "gpt-4o";
  s.dep.api_base = base;
  s.dep.api_key = "sk-conformance-KEY-0001";
  s.auth_header = auth_header;
  s.auth_value = auth_value;
  s.url_contains = url_part;
  const std::string hello = Completion(R"({"role":"assistant","content":"Hello!"})", "stop", 10, 3);
  s.answers = {
      {"text", {200, {}, hello}},
      {"system", {200, {}, hello}},
      {"multi_turn", {200, {}, hello}},
      {"tools", {200, {}, Completion(R"({"role":"assistant","content":null,"tool_calls":[)" + Call("call_1", "Paris") + "]}",
                                     "tool_calls", 20, 8)}},
      {"tool_result", {200, {}, Completion(R"({"role":"assistant","content":"It is 18C and sunny in Paris."})", "stop", 30, 9)}},
      {"parallel_tools", {200, {}, Completion(R"({"role":"assistant","content":null,"tool_calls":[)" + Call("call_1", "Paris") +
                                                  "," + Call("call_2", "Tokyo") + "]}",
                                              "tool_calls", 20, 16)}},
  };
  s.streams = {
      {"stream_text", {200, {}, Chunk(R"({"role":"assistant","content":""})") + Chunk(R"({"content":"Hel"})") +
                                    Chunk(R"({"content":"lo!"})") + Chunk("{}", "stop") + UsageChunk(10, 3) +
                                    "data: [DONE]\n\n"}},
      {"stream_tools", {200, {}, Chunk(R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
                                     Chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"locat"}}]})") +
                                     Chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"ion\":\"Paris\"}"}}]})") +
                                     Chunk("{}", "tool_calls") + UsageChunk(20, 8) + "data: [DONE]\n\n"}},
  };
  net::Headers json = {{"content-type", "application/json"}};
  s.errors = {
      {"429 with Retry-After", {429, {{"retry-after", "7"}}, R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})"},
       ErrorKind::kRateLimit, 7.0},
      {"429 insufficient_quota is auth", {429, json, R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})"},
       ErrorKind::kAuth, std::nullopt},
      {"401 invalid key", {401, json, R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})"},
       ErrorKind::kAuth, std::nullopt},
      {"404 model", {404, json, R"({"error":{"message":"The model does not exist","type":"invalid_request_error","code":"model_not_found"}})"},
       ErrorKind::kNotFound, std::nullopt},
      {"400 context_length_exceeded", {400, json, R"({"error":{"message":"This model's maximum context length is 128000 tokens","type":"invalid_request_error","code":"context_length_exceeded"}})"},
       ErrorKind::kContextWindow, std::nullopt},
      {"400 content_filter", {400, json, R"({"error":{"message":"The response was filtered","type":null,"code":"content_filter"}})"},
       ErrorKind::kContentPolicy, std::nullopt},
      {"400 other", {400, json, R"({"error":{"message":"Invalid 'messages[0].role'","type":"invalid_request_error","param":"messages"}})"},
       ErrorKind::kBadRequest, std::nullopt},
      {"500", {500, json, R"({"error":{"message":"The server had an error","type":"server_error"}})"}, ErrorKind::kServerError, std::nullopt},
      {"503", {503, json, R"({"error":{"message":"overloaded","type":"server_error"}})"}, ErrorKind::kServerError, std::nullopt},
      {"504", {504, {}, "gateway timeout"}, ErrorKind::kTimeout, std::nullopt},
      {"error inside a 200 stream", {200, {}, R"(data: {"error":{"message":"server overloaded","type":"server_error"}})" "\n\n"},
       ErrorKind::kServerError, std::nullopt, true},
      {"malformed stream chunk", {200, {}, "data: {\"choices\":[{\"delta\n\n"}, ErrorKind::kConnection, std::nullopt, true},
  };
  return s;
}

TEST_CASE("conformance: openai") {
  RunConformance(Family("openai", "https://api.openai.com/v1", "Authorization", "Bearer sk-conformance-KEY-0001",
                        "/v1/chat/completions"));
}

TEST_CASE("conformance: openai-compatible") {
  RunConformance(Family("openai-compatible", "http://127.0.0.1:11434/v1", "Authorization",
                        "Bearer sk-conformance-KEY-0001", "/v1/chat/completions"));
}

TEST_CASE("conformance: azure") {
  ProviderSuite s = Family("azure", "https://res.openai.azure.com", "api-key", "sk-conformance-KEY-0001",
                           "/openai/deployments/gpt-4o/chat/completions?api-version=");
  s.check_request = [](const std::string&, const testing::FakeHttp::Seen& sent) {
    CHECK(sent.url.rfind("https://res.openai.azure.com/", 0) == 0);
  };
  RunConformance(s);
}

}  // namespace
}  // namespace detour::conformance
