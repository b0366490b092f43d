#include "sim/wire.h"

#include <nlohmann/json.hpp>

namespace detour::sim {
namespace {

using nlohmann::json;

std::string Text(const Answer& a) {
  std::string s;
  for (const auto& t : a.tokens) s += t;
  return s;
}
int Completion(const Answer& a) { return static_cast<int>(a.tokens.size()); }

std::string Data(const json& j) { return "data: " + j.dump() + "\n\n"; }
std::string Event(const std::string& name, const json& j) {
  return "event: " + name + "\ndata: " + j.dump() + "\n\n";
}

json OpenAIUsage(const Answer& a) {
  return {{"prompt_tokens", a.prompt_tokens},
          {"completion_tokens", Completion(a)},
          {"total_tokens", a.prompt_tokens + Completion(a)}};
}

json OpenAIChunk(const Answer& a, json delta, json finish) {
  return {{"id", "chatcmpl-" + a.id},
          {"object", "chat.completion.chunk"},
          {"created", a.created},
          {"model", a.model},
          {"system_fingerprint", "fp_sim"},
          {"choices", json::array({{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr},
                                    {"finish_reason", std::move(finish)}}})}};
}

json GeminiUsage(const Answer& a, int completion) {
  return {{"promptTokenCount", a.prompt_tokens},
          {"candidatesTokenCount", completion},
          {"totalTokenCount", a.prompt_tokens + completion}};
}

json GeminiChunk(const Answer& a, const std::string& text, int so_far, bool last) {
  json cand = {{"content", {{"parts", json::array({{{"text", text}}})}, {"role", "model"}}},
               {"index", 0}};
  if (last) cand["finishReason"] = "STOP";
  return {{"candidates", json::array({cand})},
          {"usageMetadata", GeminiUsage(a, so_far)},
          {"modelVersion", a.model},
          {"responseId", a.id}};
}

StreamEvents OpenAIStream(Protocol p, const Answer& a) {
  StreamEvents s;
  if (p == Protocol::kAzure)  // Azure's first chunk: prompt filter results, no choices
    s.head.push_back(Data({{"id", ""}, {"object", ""}, {"created", 0}, {"model", ""},
                           {"choices", json::array()},
                           {"prompt_filter_results",
                            json::array({{{"prompt_index", 0}, {"content_filter_results", json::object()}}})}}));
  s.head.push_back(Data(OpenAIChunk(a, {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr)));
  for (const auto& t : a.tokens) s.tokens.push_back(Data(OpenAIChunk(a, {{"content", t}}, nullptr)));
  s.tail.push_back(Data(OpenAIChunk(a, json::object(), "stop")));
  if (a.include_usage) {
    json u = OpenAIChunk(a, json::object(), nullptr);
    u["choices"] = json::array();
    u["usage"] = OpenAIUsage(a);
    s.tail.push_back(Data(u));
  }
  s.terminator = "data: [DONE]\n\n";
  return s;
}

StreamEvents AnthropicStream(const Answer& a) {
  StreamEvents s;
  s.head.push_back(Event(
      "message_start",
      {{"type", "message_start"},
       {"message", {{"id", "msg_" + a.id}, {"type", "message"}, {"role", "assistant"},
                    {"model", a.model}, {"content", json::array()}, {"stop_reason", nullptr},
                    {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", a.prompt_tokens}, {"output_tokens", 1}}}}}}));
  s.head.push_back(Event("content_block_start", {{"type", "content_block_start"}, {"index", 0},
                                                 {"content_block", {{"type", "text"}, {"text", ""}}}}));
  s.head.push_back(Event("ping", {{"type", "ping"}}));
  for (const auto& t : a.tokens)
    s.tokens.push_back(Event("content_block_delta", {{"type", "content_block_delta"}, {"index", 0},
                                                     {"delta", {{"type", "text_delta"}, {"text", t}}}}));
  s.tail.push_back(Event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  s.tail.push_back(Event("message_delta", {{"type", "message_delta"},
                                           {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                                           {"usage", {{"output_tokens", Completion(a)}}}}));
  s.terminator = Event("message_stop", {{"type", "message_stop"}});
  return s;
}

// Gemini sends text in pieces with cumulative usage; the last piece carries finishReason.
// The "terminator" is that last event, so no_done (dropping it) leaves a stream with no end.
StreamEvents GeminiStream(const Answer& a) {
  StreamEvents s;
  int n = Completion(a);
  for (int i = 0; i < n; ++i) s.tokens.push_back(Data(GeminiChunk(a, a.tokens[i], i + 1, false)));
  s.terminator = Data(GeminiChunk(a, "", n, true));
  return s;
}

struct ErrorShape {
  std::string type;  // OpenAI type / Anthropic error.type / Gemini status
  std::string code;  // OpenAI/Azure code
  std::string message;
};

ErrorShape Shape(Protocol p, ErrorCase c, int status) {
  switch (c) {
    case ErrorCase::kContextWindow:
      if (p == Protocol::kAnthropic)
        return {"invalid_request_error", "", "prompt is too long: 210000 tokens > 200000 maximum"};
      if (p == Protocol::kGemini)
        return {"INVALID_ARGUMENT", "",
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."};
      return {"invalid_request_error", "context_length_exceeded",
              "This model's maximum context length is 128000 tokens. However, your messages "
              "resulted in 210000 tokens. Please reduce the length of the messages."};
    case ErrorCase::kContentPolicy:
      if (p == Protocol::kAnthropic)
        return {"invalid_request_error", "", "Output blocked by content filtering policy"};
      if (p == Protocol::kAzure)
        return {"", "content_filter",
                "The response was filtered due to the prompt triggering Azure OpenAI's content "
                "management policy."};
      if (p == Protocol::kGemini) return {"INVALID_ARGUMENT", "", "The response was blocked."};
      return {"invalid_request_error", "content_policy_violation",
              "Your request was rejected as a result of our safety system."};
    case ErrorCase::kRateLimit:
      if (p == Protocol::kAnthropic)
        return {"rate_limit_error", "", "This request would exceed your organization's rate limit."};
      if (p == Protocol::kGemini)
        return {"RESOURCE_EXHAUSTED", "", "Resource has been exhausted (e.g. check quota)."};
      if (p == Protocol::kAzure)
        return {"", "429",
                "Requests to the ChatCompletions_Create Operation have exceeded the call rate "
                "limit. Please retry after the time the Retry-After header names."};
      return {"requests", "rate_limit_exceeded",
              "Rate limit reached for requests. Please try again after the Retry-After time."};
    case ErrorCase::kHttp: break;
  }
  if (p == Protocol::kAnthropic) {
    if (status == 529) return {"overloaded_error", "", "Overloaded"};
    if (status == 400) return {"invalid_request_error", "", "invalid request (simulated)"};
    if (status == 401) return {"authentication_error", "", "invalid x-api-key"};
    if (status == 403) return {"permission_error", "", "permission denied (simulated)"};
    if (status == 404) return {"not_found_error", "", "model not found (simulated)"};
    if (status == 413) return {"request_too_large", "", "request too large"};
    if (status == 429) return {"rate_limit_error", "", "rate limited (simulated)"};
    return {"api_error", "", "Internal server error"};
  }
  if (p == Protocol::kGemini) {
    if (status == 400) return {"INVALID_ARGUMENT", "", "Request contains an invalid argument."};
    if (status == 401) return {"UNAUTHENTICATED", "", "Request had invalid authentication credentials."};
    if (status == 403) return {"PERMISSION_DENIED", "", "Method doesn't allow unregistered callers."};
    if (status == 404) return {"NOT_FOUND", "", "models/x is not found for API version v1beta."};
    if (status == 429) return {"RESOURCE_EXHAUSTED", "", "Resource has been exhausted (e.g. check quota)."};
    if (status == 503) return {"UNAVAILABLE", "", "The model is overloaded. Please try again later."};
    if (status == 504) return {"DEADLINE_EXCEEDED", "", "Deadline exceeded."};
    return {"INTERNAL", "", "An internal error has occurred."};
  }
  std::string code = p == Protocol::kAzure ? std::to_string(status) : "";
  if (status == 400) return {"invalid_request_error", code, "invalid request (simulated)"};
  if (status == 401) return {"invalid_request_error", p == Protocol::kAzure ? code : "invalid_api_key", "Incorrect API key provided."};
  if (status == 404) return {"invalid_request_error", p == Protocol::kAzure ? "DeploymentNotFound" : "model_not_found",
                             "The model does not exist or you do not have access to it."};
  if (status == 503) return {"server_error", code, "The server is overloaded or not ready yet."};
  return {"server_error", code, "The server had an error while processing your request. Sorry about that!"};
}

std::string Seconds(long ms) { return std::to_string((ms + 999) / 1000); }

}  // namespace

const char* ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kOpenAI: return "openai";
    case Protocol::kAzure: return "azure";
    case Protocol::kAnthropic: return "anthropic";
    case Protocol::kGemini: return "gemini";
  }
  return "?";
}

std::string CompleteBody(Protocol p, const Answer& a) {
  if (p == Protocol::kAnthropic) {
    json j = {{"id", "msg_" + a.id}, {"type", "message"}, {"role", "assistant"}, {"model", a.model},
              {"content", json::array({{{"type", "text"}, {"text", Text(a)}}})},
              {"stop_reason", "end_turn"}, {"stop_sequence", nullptr},
              {"usage", {{"input_tokens", a.prompt_tokens}, {"output_tokens", Completion(a)}}}};
    return j.dump();
  }
  if (p == Protocol::kGemini) {
    json j = GeminiChunk(a, Text(a), Completion(a), true);
    return j.dump();
  }
  json j = {{"id", "chatcmpl-" + a.id},
            {"object", "chat.completion"},
            {"created", a.created},
            {"model", a.model},
            {"choices", json::array({{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", Text(a)}, {"refusal", nullptr}}},
                                      {"logprobs", nullptr},
                                      {"finish_reason", "stop"}}})},
            {"usage", OpenAIUsage(a)},
            {"system_fingerprint", "fp_sim"}};
  return j.dump();
}

StreamEvents StreamBody(Protocol p, const Answer& a) {
  if (p == Protocol::kAnthropic) return AnthropicStream(a);
  if (p == Protocol::kGemini) return GeminiStream(a);
  return OpenAIStream(p, a);
}

std::string MalformedEvent(Protocol p, const Answer& a) {
  // A chunk cut off mid-JSON, as a broken proxy or a truncated write leaves it.
  if (p == Protocol::kAnthropic)
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_d\n\n";
  if (p == Protocol::kGemini) return "data: {\"candidates\":[{\"content\":{\"parts\":[{\"te\n\n";
  return "data: {\"id\":\"chatcmpl-" + a.id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"cont\n\n";
}

ErrorReply MakeError(Protocol p, ErrorCase c, int status, long retry_after_ms,
                     const std::string& reset_at, const std::string& request_id) {
  ErrorReply r;
  r.status = c == ErrorCase::kRateLimit ? 429
             : (c == ErrorCase::kContextWindow || c == ErrorCase::kContentPolicy) ? 400
                                                                                 : status;
  ErrorShape s = Shape(p, c, r.status);
  json body;
  if (p == Protocol::kAnthropic) {
    body = {{"type", "error"}, {"error", {{"type", s.type}, {"message", s.message}}},
            {"request_id", "req_" + request_id}};
    r.headers.emplace_back("request-id", "req_" + request_id);
  } else if (p == Protocol::kGemini) {
    body = {{"error", {{"code", r.status}, {"message", s.message}, {"status", s.type}}}};
    if (c == ErrorCase::kRateLimit && retry_after_ms >= 0)
      body["error"]["details"] = json::array(
          {{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
            {"retryDelay", Seconds(retry_after_ms) + "s"}}});
  } else if (p == Protocol::kAzure) {
    body = {{"error", {{"code", s.code}, {"message", s.message}, {"param", nullptr}, {"type", nullptr}}}};
    if (c == ErrorCase::kContentPolicy) {
      body["error"]["param"] = "prompt";
      body["error"]["status"] = 400;
      body["error"]["innererror"] = {{"code", "ResponsibleAIPolicyViolation"},
                                     {"content_filter_result", {{"hate", {{"filtered", true}, {"severity", "high"}}}}}};
    }
    r.headers.emplace_back("apim-request-id", request_id);
  } else {
    body = {{"error", {{"message", s.message}, {"type", s.type}, {"param", nullptr},
                       {"code", s.code.empty() ? json(nullptr) : json(s.code)}}}};
    if (c == ErrorCase::kContextWindow) body["error"]["param"] = "messages";
    r.headers.emplace_back("x-request-id", "req_" + request_id);
  }
  r.body = body.dump();
  if (retry_after_ms >= 0 && p != Protocol::kGemini) {
    r.headers.emplace_back("retry-after", Seconds(retry_after_ms));
    if (p == Protocol::kOpenAI || p == Protocol::kAzure)
      r.headers.emplace_back("retry-after-ms", std::to_string(retry_after_ms));
  }
  if (c == ErrorCase::kRateLimit) {
    std::string reset = Seconds(std::max(retry_after_ms, 0L)) + "s";
    if (p == Protocol::kOpenAI || p == Protocol::kAzure) {
      r.headers.emplace_back("x-ratelimit-limit-requests", "500");
      r.headers.emplace_back("x-ratelimit-remaining-requests", "0");
      r.headers.emplace_back("x-ratelimit-reset-requests", reset);
      r.headers.emplace_back("x-ratelimit-limit-tokens", "30000");
      r.headers.emplace_back("x-ratelimit-remaining-tokens", "0");
      r.headers.emplace_back("x-ratelimit-reset-tokens", reset);
    } else if (p == Protocol::kAnthropic) {
      r.headers.emplace_back("anthropic-ratelimit-requests-limit", "50");
      r.headers.emplace_back("anthropic-ratelimit-requests-remaining", "0");
      r.headers.emplace_back("anthropic-ratelimit-requests-reset", reset_at);
      r.headers.emplace_back("anthropic-ratelimit-tokens-limit", "40000");
      r.headers.emplace_back("anthropic-ratelimit-tokens-remaining", "0");
      r.headers.emplace_back("anthropic-ratelimit-tokens-reset", reset_at);
    }
  }
  return r;
}

std::string GeminiBlockedBody(const Answer& a) {
  json j = {{"promptFeedback", {{"blockReason", "SAFETY"}}},
            {"usageMetadata", {{"promptTokenCount", a.prompt_tokens}, {"totalTokenCount", a.prompt_tokens}}},
            {"modelVersion", a.model},
            {"responseId", a.id}};
  return j.dump();
}

}  // namespace detour::sim
