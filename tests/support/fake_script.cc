// Script parsing and OpenAI-shaped rendering for the fake upstream.
#include "support/fake_script.h"

#include <sstream>

namespace detour::testing {
namespace {

constexpr int64_t kCreated = 1700000000;  // fixed: bodies are byte-for-byte predictable
constexpr int64_t kPromptTokens = 10;

int64_t CountWords(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  int64_t n = 0;
  while (in >> word) ++n;
  return n;
}

Json MakeUsage(const FakeStep& step, int64_t completion_tokens) {
  Json usage = step.usage.value_or(Json::object());
  if (!usage.contains("prompt_tokens")) usage["prompt_tokens"] = kPromptTokens;
  if (!usage.contains("completion_tokens")) usage["completion_tokens"] = completion_tokens;
  if (!usage.contains("total_tokens")) {
    usage["total_tokens"] = usage["prompt_tokens"].get<int64_t>() +
                            usage["completion_tokens"].get<int64_t>();
  }
  return usage;
}

Json Chunk(const RequestFacts& facts, Json delta, Json finish_reason) {
  return Json{{"id", "chatcmpl-fake"},
              {"object", "chat.completion.chunk"},
              {"created", kCreated},
              {"model", facts.model},
              {"choices", Json::array({Json{{"index", 0},
                                            {"delta", std::move(delta)},
                                            {"finish_reason", std::move(finish_reason)}}})}};
}

std::string Event(const Json& data) { return "data: " + data.dump() + "\n\n"; }

Expected<FakeMode, std::string> ModeFromText(const std::string& s) {
  if (s == "normal") return FakeMode::kNormal;
  if (s == "silent") return FakeMode::kSilent;
  if (s == "reset") return FakeMode::kReset;
  if (s == "trickle") return FakeMode::kTrickle;
  if (s == "cut") return FakeMode::kCut;
  return Fail("unknown mode: " + s);
}

void ReadInts(const Json& j, FakeStep& s) {
  s.status = j.value("status", s.status);
  s.trickle_interval_ms = j.value("trickle_interval_ms", s.trickle_interval_ms);
  s.cut_after = j.value("cut_after", s.cut_after);
  s.delay_ms = j.value("delay_ms", s.delay_ms);
  s.chunk_interval_ms = j.value("chunk_interval_ms", s.chunk_interval_ms);
  s.first_chunk_delay_ms = j.value("first_chunk_delay_ms", s.first_chunk_delay_ms);
  s.done = j.value("done", s.done);
  s.finish = j.value("finish", s.finish);
}

}  // namespace

FakeStep FakeStep::Reply(std::string text) {
  FakeStep s;
  s.reply = std::move(text);
  return s;
}
FakeStep FakeStep::Stream(std::vector<std::string> pieces) {
  FakeStep s;
  s.stream = std::move(pieces);
  return s;
}
FakeStep FakeStep::Status(int status, std::string body) {
  FakeStep s;
  s.status = status;
  s.body = std::move(body);
  return s;
}
FakeStep FakeStep::Mode(FakeMode mode) {
  FakeStep s;
  s.mode = mode;
  return s;
}

FakeScript& FakeScript::Route(std::string prefix, std::vector<FakeStep> steps) {
  routes[std::move(prefix)] = std::move(steps);
  return *this;
}

Expected<FakeStep, std::string> StepFromJson(const Json& j) {
  if (!j.is_object()) return Fail(std::string("a step must be a JSON object"));
  FakeStep s;
  try {
    ReadInts(j, s);
    if (j.contains("headers")) {
      for (const auto& [k, v] : j.at("headers").items()) {
        s.headers.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
    if (j.contains("body")) {
      const Json& b = j.at("body");
      s.body = b.is_string() ? b.get<std::string>() : b.dump();
    }
    if (j.contains("reply")) s.reply = j.at("reply").get<std::string>();
    if (j.contains("stream")) s.stream = j.at("stream").get<std::vector<std::string>>();
    if (j.contains("usage")) s.usage = j.at("usage");
    if (j.contains("include_usage")) s.include_usage = j.at("include_usage").get<bool>();
    if (j.contains("mode")) {
      auto mode = ModeFromText(j.at("mode").get<std::string>());
      if (!mode.ok()) return Fail(mode.error());
      s.mode = *mode;
    }
  } catch (const Json::exception& e) {
    return Fail(std::string("bad step: ") + e.what());
  }
  return s;
}

Expected<FakeScript, std::string> ScriptFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("routes") || !j.at("routes").is_object()) {
    return Fail(std::string("script must be {\"routes\": {prefix: [step, ...]}}"));
  }
  FakeScript script;
  for (const auto& [prefix, steps] : j.at("routes").items()) {
    std::vector<FakeStep> list;
    const Json arr = steps.is_array() ? steps : Json::array({steps});
    for (const Json& step : arr) {
      auto s = StepFromJson(step);
      if (!s.ok()) return Fail("route \"" + prefix + "\": " + s.error());
      list.push_back(std::move(*s));
    }
    if (list.empty()) return Fail("route \"" + prefix + "\" has no steps");
    script.routes[prefix] = std::move(list);
  }
  return script;
}

Expected<FakeScript, std::string> ScriptFromText(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Fail(std::string("script is not valid JSON"));
  return ScriptFromJson(j);
}

RequestFacts FactsOf(const std::string& request_body) {
  RequestFacts facts;
  Json j = Json::parse(request_body, nullptr, false);
  if (!j.is_object()) return facts;
  if (j.contains("model") && j["model"].is_string()) facts.model = j["model"].get<std::string>();
  auto it = j.find("stream_options");
  if (it != j.end() && it->is_object()) {
    auto u = it->find("include_usage");
    facts.include_usage = u != it->end() && u->is_boolean() && u->get<bool>();
  }
  return facts;
}

std::string RenderBody(const FakeStep& step, const RequestFacts& facts, std::string* content_type) {
  *content_type = "application/json";
  if (!step.reply) return step.body;
  Json message = {{"role", "assistant"}, {"content", *step.reply}};
  Json body = {{"id", "chatcmpl-fake"},
               {"object", "chat.completion"},
               {"created", kCreated},
               {"model", facts.model},
               {"choices", Json::array({Json{{"index", 0},
                                             {"message", message},
                                             {"finish_reason", "stop"}}})},
               {"usage", MakeUsage(step, CountWords(*step.reply))}};
  return body.dump();
}

std::vector<std::string> RenderEvents(const FakeStep& step, const RequestFacts& facts) {
  std::vector<std::string> events;
  const auto& pieces = *step.stream;
  events.push_back(Event(Chunk(facts, {{"role", "assistant"}, {"content", ""}}, nullptr)));
  for (const auto& piece : pieces) events.push_back(Event(Chunk(facts, {{"content", piece}}, nullptr)));
  if (step.finish) events.push_back(Event(Chunk(facts, Json::object(), "stop")));
  if (step.include_usage.value_or(facts.include_usage)) {
    Json usage_chunk = {{"id", "chatcmpl-fake"},
                        {"object", "chat.completion.chunk"},
                        {"created", kCreated},
                        {"model", facts.model},
                        {"choices", Json::array()},
                        {"usage", MakeUsage(step, static_cast<int64_t>(pieces.size()))}};
    events.push_back(Event(usage_chunk));
  }
  if (step.done) events.push_back("data: [DONE]\n\n");
  return events;
}

}  // namespace detour::testing
