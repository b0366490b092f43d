#include "conformance.h"

#include <doctest/doctest.h>

namespace detour::conformance {
namespace {

using testing::FakeHttp;
using testing::FakeHttpStep;

Json User(const std::string& text) { return {{"role", "user"}, {"content", text}}; }

const Json kWeatherTool = Json::parse(R"({"type":"function","function":{"name":"get_weather",
  "description":"Current weather in a city","parameters":{"type":"object",
  "properties":{"location":{"type":"string"}},"required":["location"]}}})");

Json AssistantCall() {
  return Json::parse(R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
    "function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]})");
}

AttemptLimits Limits() {
  AttemptLimits l;
  TimePoint now = SystemClock().Now();
  l.deadline = now + Millis(30000);
  l.first_token_deadline = now + Millis(10000);
  l.hard_deadline = now + Millis(120000);
  l.idle_timeout = Millis(10000);
  return l;
}

// The neutral answer a stream adds up to: text, tool calls by index, finish reason.
struct Assembled {
  std::string content;
  std::string finish_reason;
  std::map<int64_t, std::pair<std::string, std::string>> calls;  // index -> (name, arguments)
  std::map<int64_t, std::string> call_ids;
};

void Absorb(StreamChunk& c, Assembled& a) {
  const Json& choices = ChunkJson(c).value("choices", Json::array());
  if (!choices.is_array() || choices.empty()) return;
  const Json& choice = choices[0];
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
    a.finish_reason = choice["finish_reason"];
  const Json& delta = choice.value("delta", Json::object());
  if (delta.contains("content") && delta["content"].is_string()) a.content += delta["content"].get<std::string>();
  for (const Json& tc : delta.value("tool_calls", Json::array())) {
    int64_t i = tc.value("index", 0);
    if (tc.contains("id") && tc["id"].is_string()) a.call_ids[i] = tc["id"];
    const Json& fn = tc.value("function", Json::object());
    if (fn.contains("name") && fn["name"].is_string()) a.calls[i].first += fn["name"].get<std::string>();
    if (fn.contains("arguments") && fn["arguments"].is_string()) a.calls[i].second += fn["arguments"].get<std::string>();
  }
}

void CheckCalls(const std::vector<ExpectedCall>& want, const std::vector<std::pair<std::string, std::string>>& got,
                const std::vector<std::string>& ids) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(got[i].first == want[i].name);
    Json args = Json::parse(got[i].second, nullptr, false);
    CHECK(args == want[i].arguments);  // a JSON string in OpenAI's shape, whatever the provider sent
    CHECK_FALSE(ids[i].empty());
  }
}

std::unique_ptr<Provider> Make(const ProviderSuite& suite, FakeHttp& http) {
  if (suite.make) return suite.make(http);
  return MakeProvider(suite.dep, http, SystemClock());
}

// What every request must satisfy, whatever the provider: the credential in its header
// and nowhere in the URL, the endpoint, and every text of the neutral request carried.
void CheckSent(const ProviderSuite& suite, const std::string& scenario, const FakeHttp& http) {
  CAPTURE(scenario);
  REQUIRE_FALSE(http.seen.empty());
  const auto& sent = http.last();
  CHECK(http.Header(suite.auth_header) == suite.auth_value);
  CHECK(sent.url.find(suite.url_contains) != std::string::npos);
  if (!suite.dep.api_key.empty()) CHECK(sent.url.find(suite.dep.api_key) == std::string::npos);
  const ChatRequest request = ScenarioRequest(scenario);
  for (const Json& m : request.body["messages"])
    if (m.contains("content") && m["content"].is_string())
      CHECK_MESSAGE(sent.body.find(m["content"].get<std::string>()) != std::string::npos,
                    "the upstream body carries \"" << m["content"].get<std::string>() << "\"");
  if (request.body.contains("tools"))
    CHECK(sent.body.find("get_weather") != std::string::npos);
  if (suite.check_request) suite.check_request(scenario, sent);
}

void RunChat(const ProviderSuite& suite, const std::string& scenario) {
  CAPTURE(suite.name);
  CAPTURE(scenario);
  auto it = suite.answers.find(scenario);
  REQUIRE_MESSAGE(it != suite.answers.end(), "no fixture for " << scenario);
  FakeHttp http;
  http.response = {it->second.status, it->second.headers, it->second.body};
  auto provider = Make(suite, http);
  REQUIRE(provider);
  auto r = provider->Complete(ScenarioRequest(scenario), Limits());
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CheckSent(suite, scenario, http);
  ExpectedAnswer want = ScenarioAnswer(scenario);
  const Json body = ResponseJson(*r);
  const Json& choice = body["choices"][0];
  CHECK(body["object"] == "chat.completion");
  CHECK(choice["finish_reason"] == want.finish_reason);
  const Json& msg = choice["message"];
  CHECK(msg["role"] == "assistant");
  if (!want.content.empty()) CHECK(msg["content"] == want.content);
  std::vector<std::pair<std::string, std::string>> calls;
  std::vector<std::string> ids;
  for (const Json& tc : msg.value("tool_calls", Json::array())) {
    CHECK(tc["type"] == "function");
    REQUIRE(tc["function"]["arguments"].is_string());
    calls.emplace_back(tc["function"]["name"], tc["function"]["arguments"]);
    ids.push_back(tc.value("id", ""));
  }
  CheckCalls(want.tool_calls, calls, ids);
  CHECK(r->usage.prompt_tokens == want.prompt_tokens);
  CHECK(r->usage.completion_tokens == want.completion_tokens);
  CHECK(body["usage"]["prompt_tokens"] == want.prompt_tokens);
}

void RunStream(const ProviderSuite& suite, const std::string& scenario) {
  CAPTURE(suite.name);
  CAPTURE(scenario);
  auto it = suite.streams.find(scenario);
  REQUIRE_MESSAGE(it != suite.streams.end(), "no fixture for " << scenario);
  FakeHttp http;
  http.status = it->second.status;
  http.headers = it->second.headers;
  // Byte by byte in 7-byte pieces: framing must not depend on how TCP splits it.
  const std::string& all = it->second.body;
  for (size_t i = 0; i < all.size(); i += 7) http.steps.push_back(FakeHttpStep::Data(all.substr(i, 7)));
  auto provider = Make(suite, http);
  REQUIRE(provider);
  Assembled a;
  int chunks = 0;
  ChatRequest req = ScenarioRequest(scenario);
  auto r = provider->Stream(req, Limits(), [&](StreamChunk& c) {
    CHECK(ChunkJson(c)["object"] == "chat.completion.chunk");
    Absorb(c, a);
    chunks++;
    return true;
  });
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CheckSent(suite, scenario, http);
  ExpectedAnswer want = ScenarioAnswer(scenario);
  CHECK(chunks > 1);
  CHECK(a.content == want.content);
  CHECK(a.finish_reason == want.finish_reason);
  CHECK(r->finish_reason == want.finish_reason);
  std::vector<std::pair<std::string, std::string>> calls;
  std::vector<std::string> ids;
  for (const auto& [i, call] : a.calls) {
    calls.push_back(call);
    ids.push_back(a.call_ids[i]);
  }
  CheckCalls(want.tool_calls, calls, ids);
  CHECK(r->usage_reported);
  CHECK(r->usage.prompt_tokens == want.prompt_tokens);
  CHECK(r->usage.completion_tokens == want.completion_tokens);
}

void RunError(const ProviderSuite& suite, const ErrorCase& e) {
  CAPTURE(suite.name);
  CAPTURE(e.name);
  FakeHttp http;
  std::optional<Error> got;
  if (e.in_stream) {
    http.status = e.answer.status;
    http.headers = e.answer.headers;
    http.steps.push_back(FakeHttpStep::Data(e.answer.body));
    auto provider = Make(suite, http);
    auto r = provider->Stream(ScenarioRequest("stream_text"), Limits(), [](StreamChunk&) { return true; });
    REQUIRE_FALSE(r.ok());
    got = r.error();
  } else {
    http.response = {e.answer.status, e.answer.headers, e.answer.body};
    auto provider = Make(suite, http);
    auto r = provider->Complete(ScenarioRequest("text"), Limits());
    REQUIRE_FALSE(r.ok());
    got = r.error();
  }
  CHECK(KindName(got->kind) == KindName(e.kind));
  if (e.retry_after_s) {
    REQUIRE(got->retry_after_s);
    CHECK(*got->retry_after_s == doctest::Approx(*e.retry_after_s));
  }
  if (!suite.dep.api_key.empty()) CHECK(got->message.find(suite.dep.api_key) == std::string::npos);
}

}  // namespace

ChatRequest ScenarioRequest(const std::string& scenario) {
  ChatRequest r;
  r.model = "group";
  Json messages = Json::array();
  Json body = Json::object();
  if (scenario == "system") messages.push_back({{"role", "system"}, {"content", "You are terse."}});
  if (scenario == "multi_turn") {
    messages.push_back(User("My name is Ada."));
    messages.push_back({{"role", "assistant"}, {"content", "Nice to meet you, Ada."}});
    messages.push_back(User("Say hello to me."));
  } else if (scenario == "tools" || scenario == "stream_tools") {
    messages.push_back(User("What is the weather in Paris?"));
    body["tools"] = Json::array({kWeatherTool});
  } else if (scenario == "tool_result") {
    messages.push_back(User("What is the weather in Paris?"));
    messages.push_back(AssistantCall());
    messages.push_back({{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "18C sunny"}});
    body["tools"] = Json::array({kWeatherTool});
  } else if (scenario == "parallel_tools") {
    messages.push_back(User("What is the weather in Paris and in Tokyo?"));
    body["tools"] = Json::array({kWeatherTool});
  } else {
    messages.push_back(User("Say hello."));
  }
  body["model"] = "group";
  body["messages"] = std::move(messages);
  r.body = std::move(body);
  r.stream = scenario.rfind("stream_", 0) == 0;
  if (r.stream) {
    r.client_wants_usage = true;
    r.body["stream"] = true;
    r.body["stream_options"] = {{"include_usage", true}};
  }
  return r;
}

ExpectedAnswer ScenarioAnswer(const std::string& scenario) {
  if (scenario == "tools" || scenario == "stream_tools")
    return {"", "tool_calls", {{"get_weather", {{"location", "Paris"}}}}, 20, 8};
  if (scenario == "tool_result") return {"It is 18C and sunny in Paris.", "stop", {}, 30, 9};
  if (scenario == "parallel_tools")
    return {"", "tool_calls", {{"get_weather", {{"location", "Paris"}}}, {"get_weather", {{"location", "Tokyo"}}}}, 20, 16};
  return {"Hello!", "stop", {}, 10, 3};
}

void RunConformance(const ProviderSuite& suite) {
  for (const auto& s : kChatScenarios) RunChat(suite, s);
  for (const auto& s : kStreamScenarios) RunStream(suite, s);
  for (const auto& e : suite.errors) RunError(suite, e);
  CHECK_MESSAGE(suite.errors.size() >= 5, suite.name << ": too few error fixtures");
}

}  // namespace detour::conformance
