#include "server/anthropic_api.h"

#include "server/error_response.h"
#include "util/json_guard.h"

namespace detour {
namespace {

// The text of a string-or-blocks value ("" for anything else).
std::string TextOf(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array())
    for (const Json& b : content)
      if (b.is_object() && b.value("type", "") == "text" && b.contains("text") && b["text"].is_string())
        out += b["text"].get<std::string>();
  return out;
}

std::optional<Json> ImagePart(const Json& block) {
  const Json& src = block.value("source", Json::object());
  std::string type = src.value("type", "");
  std::string url;
  if (type == "base64" && src.contains("data") && src["data"].is_string())
    url = "data:" + src.value("media_type", "image/png") + ";base64," + src["data"].get<std::string>();
  else if (type == "url" && src.contains("url") && src["url"].is_string())
    url = src["url"].get<std::string>();
  else
    return std::nullopt;
  return Json{{"type", "image_url"}, {"image_url", {{"url", url}}}};
}

// One Anthropic message -> one or more OpenAI messages (tool results become `tool`
// messages, which OpenAI wants right after the assistant's calls).
std::optional<ApiError> Translate(const Json& m, const std::string& at, Json& out) {
  std::string role = m.value("role", "");
  if (role != "user" && role != "assistant")
    return Invalid(at + ".role", "`" + at + ".role` must be \"user\" or \"assistant\"");
  auto content = m.find("content");
  if (content == m.end()) return Invalid(at + ".content", "missing `" + at + ".content`");
  if (content->is_string()) {
    out.push_back({{"role", role}, {"content", *content}});
    return std::nullopt;
  }
  if (!content->is_array()) return Invalid(at + ".content", "`" + at + ".content` must be a string or an array");
  Json parts = Json::array(), calls = Json::array(), results = Json::array();
  for (size_t i = 0; i < content->size(); ++i) {
    const Json& b = (*content)[i];
    std::string bat = at + ".content[" + std::to_string(i) + "]";
    if (!b.is_object()) return Invalid(bat, "`" + bat + "` must be an object");
    std::string type = b.value("type", "");
    if (type == "text" && b.contains("text") && b["text"].is_string()) {
      parts.push_back({{"type", "text"}, {"text", b["text"]}});
    } else if (type == "image") {
      auto img = ImagePart(b);
      if (!img) return Invalid(bat + ".source", "`" + bat + ".source` must be a base64 or url image source");
      parts.push_back(*img);
    } else if (type == "tool_use" && role == "assistant") {
      if (!b.contains("id") || !b["id"].is_string() || !b.contains("name") || !b["name"].is_string())
        return Invalid(bat, "`" + bat + "` needs a string `id` and `name`");
      calls.push_back({{"id", b["id"]}, {"type", "function"},
                       {"function", {{"name", b["name"]}, {"arguments", b.value("input", Json::object()).dump()}}}});
    } else if (type == "tool_result" && role == "user") {
      if (!b.contains("tool_use_id") || !b["tool_use_id"].is_string())
        return Invalid(bat + ".tool_use_id", "`" + bat + ".tool_use_id` must be a string");
      std::string text = TextOf(b.value("content", Json("")));
      if (b.value("is_error", false)) text = "Error: " + text;
      results.push_back({{"role", "tool"}, {"tool_call_id", b["tool_use_id"]}, {"content", text}});
    } else if (type == "thinking" || type == "redacted_thinking") {
      continue;  // the model's own reasoning: not part of the conversation for another model
    } else {
      return Invalid(bat + ".type", "`" + bat + ".type` \"" + type + "\" is not supported here");
    }
  }
  for (auto& r : results) out.push_back(std::move(r));
  if (!parts.empty() || !calls.empty()) {
    Json msg = {{"role", role}};
    bool text_only = std::all_of(parts.begin(), parts.end(), [](const Json& p) { return p["type"] == "text"; });
    if (parts.empty()) msg["content"] = nullptr;
    else if (text_only) msg["content"] = TextOf(parts);
    else msg["content"] = parts;
    if (!calls.empty()) msg["tool_calls"] = calls;
    out.push_back(std::move(msg));
  }
  return std::nullopt;
}

Json Tools(const Json& tools) {
  Json out = Json::array();
  for (const Json& t : tools) {
    if (!t.is_object() || !t.contains("name")) continue;
    Json fn = {{"name", t["name"]}, {"parameters", t.value("input_schema", Json::object())}};
    if (t.contains("description")) fn["description"] = t["description"];
    out.push_back({{"type", "function"}, {"function", fn}});
  }
  return out;
}

Json ToolChoice(const Json& c) {
  std::string type = c.is_object() ? c.value("type", "auto") : "auto";
  if (type == "any") return "required";
  if (type == "none") return "none";
  if (type == "tool") return {{"type", "function"}, {"function", {{"name", c.value("name", "")}}}};
  return "auto";
}

std::optional<ApiError> CheckTypes(const Json& b) {
  auto need = [&](const char* key, bool ok, const char* what) -> std::optional<ApiError> {
    if (b.contains(key) && !b[key].is_null() && !ok) return Invalid(key, std::string("`") + key + "` must be " + what);
    return std::nullopt;
  };
  if (auto e = need("max_tokens", b.value("max_tokens", Json(1)).is_number_integer(), "an integer")) return e;
  if (auto e = need("temperature", b.value("temperature", Json(0)).is_number(), "a number")) return e;
  if (auto e = need("top_p", b.value("top_p", Json(0)).is_number(), "a number")) return e;
  if (auto e = need("stream", b.value("stream", Json(false)).is_boolean(), "a boolean")) return e;
  if (auto e = need("stop_sequences", b.value("stop_sequences", Json::array()).is_array(), "an array")) return e;
  if (auto e = need("tools", b.value("tools", Json::array()).is_array(), "an array")) return e;
  if (auto e = need("system", b.value("system", Json("")).is_string() || b.value("system", Json("")).is_array(),
                    "a string or an array of text blocks"))
    return e;
  return std::nullopt;
}

// The Anthropic body as an OpenAI chat body (the neutral format).
Expected<Json, ApiError> ToOpenAI(const Json& b) {
  if (auto e = CheckTypes(b)) return Fail(*e);
  auto messages = b.find("messages");
  if (messages == b.end()) return Fail(Invalid("messages", "missing required field `messages`"));
  if (!messages->is_array() || messages->empty())
    return Fail(Invalid("messages", "`messages` must be a non-empty array"));
  Json out = {{"model", b["model"]}};
  Json msgs = Json::array();
  if (b.contains("system") && !b["system"].is_null()) {
    std::string system = TextOf(b["system"]);
    if (!system.empty()) msgs.push_back({{"role", "system"}, {"content", system}});
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return Fail(Invalid(at, "`" + at + "` must be an object"));
    if (auto e = Translate(m, at, msgs)) return Fail(*e);
  }
  out["messages"] = std::move(msgs);
  for (const char* key : {"max_tokens", "temperature", "top_p", "stream"})
    if (b.contains(key) && !b[key].is_null()) out[key] = b[key];
  if (b.contains("stop_sequences") && !b["stop_sequences"].empty()) out["stop"] = b["stop_sequences"];
  if (b.contains("tools") && !b["tools"].empty()) out["tools"] = Tools(b["tools"]);
  if (b.contains("tool_choice")) out["tool_choice"] = ToolChoice(b["tool_choice"]);
  if (b.contains("metadata") && b["metadata"].is_object() && b["metadata"].contains("user_id"))
    out["user"] = b["metadata"]["user_id"];
  for (const char* key : {"fallbacks", "num_retries", "timeout"})
    if (b.contains(key)) out[key] = b[key];
  if (out.value("stream", false)) out["stream_options"] = {{"include_usage", true}};
  return out;
}

std::string StopReason(const Json& finish) {
  std::string f = finish.is_string() ? finish.get<std::string>() : "stop";
  if (f == "length") return "max_tokens";
  if (f == "tool_calls" || f == "function_call") return "tool_use";
  if (f == "content_filter") return "refusal";
  return "end_turn";
}

}  // namespace

Expected<ChatRequest, ApiError> ParseMessagesRequest(std::string_view text) {
  Json body = ParseJsonBounded(text);
  if (body.is_discarded()) return Fail(Invalid("", "the request body is not valid JSON (or nests too deep)"));
  if (!body.is_object()) return Fail(Invalid("", "the request body must be a JSON object"));
  if (!body.contains("model")) return Fail(Invalid("model", "missing required field `model`"));
  if (!body["model"].is_string()) return Fail(Invalid("model", "`model` must be a string"));
  auto openai = ToOpenAI(body);
  if (!openai) return Fail(openai.error());
  // The OpenAI surface's own checks and override handling, so both front doors agree.
  return ParseChatRequest(openai->dump());
}

Json MessageFromCompletion(const Json& completion) {
  Json content = Json::array();
  Json choice = completion.value("choices", Json::array()).empty() ? Json::object() : completion["choices"][0];
  const Json& msg = choice.value("message", Json::object());
  if (msg.contains("content") && msg["content"].is_string() && !msg["content"].get<std::string>().empty())
    content.push_back({{"type", "text"}, {"text", msg["content"]}});
  for (const Json& tc : msg.value("tool_calls", Json::array())) {
    const Json& fn = tc.value("function", Json::object());
    Json input = Json::parse(fn.value("arguments", std::string("{}")), nullptr, false);
    if (input.is_discarded() || !input.is_object()) input = Json::object();
    content.push_back({{"type", "tool_use"}, {"id", tc.value("id", "")}, {"name", fn.value("name", "")}, {"input", input}});
  }
  const Json& usage = completion.value("usage", Json::object());
  std::string id = completion.value("id", "");
  return {{"id", id.rfind("msg_", 0) == 0 ? id : "msg_" + id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", completion.value("model", "")},
          {"content", content},
          {"stop_reason", StopReason(choice.value("finish_reason", Json("stop")))},
          {"stop_sequence", nullptr},
          {"usage", {{"input_tokens", usage.value("prompt_tokens", 0)}, {"output_tokens", usage.value("completion_tokens", 0)}}}};
}

std::string AnthropicErrorType(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
  }
}

void WriteAnthropicError(const ApiError& e, net::ServerResponse& out) {
  out.status = e.status;
  out.content_type = "application/json";
  out.body = Json{{"type", "error"}, {"error", {{"type", AnthropicErrorType(e.status)}, {"message", e.message}}}}.dump();
}

Json AnthropicFailureJson(const RouteFailure& f) {
  Json openai = RouteFailureJson(f)["error"];
  return {{"type", "error"},
          {"error", {{"type", AnthropicErrorType(f.status)}, {"message", openai["message"]},
                     {"attempts", openai["attempts"]}}}};
}

void WriteAnthropicRouteFailure(const RouteFailure& f, net::ServerResponse& out) {
  out.status = f.status;
  out.content_type = "application/json";
  if (f.retry_after_s) out.headers.emplace_back("Retry-After", std::to_string(*f.retry_after_s));
  out.headers.emplace_back("x-detour-attempts", std::to_string(f.attempts.size()));
  out.body = AnthropicFailureJson(f).dump();
}

}  // namespace detour
