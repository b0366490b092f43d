// OpenAI request -> Anthropic request (provider-protocols.md 6.1). The caller's body is
// untrusted: every field is type-checked, and anything this translation does not know is
// dropped rather than forwarded, since the Messages API rejects unknown fields.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include "providers/anthropic/wire.h"
#include "util/json_guard.h"
#include "util/log.h"

namespace detour::anthropic {
namespace {

const Json* Field(const Json& obj, const char* key) { return FindField(obj, key); }

// `v` itself, or an empty object to read (absent) fields from.
const Json& Obj(const Json* v) {
  static const Json kEmpty = Json::object();
  return v ? *v : kEmpty;
}

const std::string* Str(const Json* v) {
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

std::string StrOr(const Json* v, std::string fallback = {}) {
  const std::string* s = Str(v);
  return s ? *s : std::move(fallback);
}

Json TextBlock(std::string text, const Json* cache_control = nullptr) {
  Json block = {{"type", "text"}, {"text", std::move(text)}};
  if (cache_control && cache_control->is_object()) block["cache_control"] = *cache_control;
  return block;
}

// "data:image/png;base64,AAAA" -> base64 source; any other URL -> url source.
std::optional<Json> ImageBlock(const Json& part) {
  const Json* image = Field(part, "image_url");
  std::string url = image && image->is_string() ? image->get<std::string>() : StrOr(Field(Obj(image), "url"));
  if (url.empty()) return std::nullopt;
  if (url.rfind("data:", 0) != 0)
    return Json{{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
  size_t comma = url.find(',');
  size_t marker = url.find(";base64");
  if (comma == std::string::npos || marker == std::string::npos || marker > comma) return std::nullopt;
  return Json{{"type", "image"},
              {"source", {{"type", "base64"}, {"media_type", url.substr(5, marker - 5)},
                          {"data", url.substr(comma + 1)}}}};
}

// A content value (string, array of parts, null) -> Anthropic blocks. Empty text is
// dropped: the API rejects empty text blocks.
Json ContentBlocks(const Json* content) {
  Json blocks = Json::array();
  if (const std::string* text = Str(content)) {
    if (!text->empty()) blocks.push_back(TextBlock(*text));
    return blocks;
  }
  if (content == nullptr || !content->is_array()) return blocks;
  for (const Json& part : *content) {
    std::string type = StrOr(Field(part, "type"));
    if (type == "text" || type == "refusal") {
      std::string text = StrOr(Field(part, type.c_str()));
      if (!text.empty()) blocks.push_back(TextBlock(std::move(text), Field(part, "cache_control")));
    } else if (type == "image_url") {
      if (auto image = ImageBlock(part)) blocks.push_back(std::move(*image));
    } else if (log::Enabled(log::Level::kDebug)) {
      log::Debug("anthropic: dropped a content part of type \"" + type + "\"");
    }
  }
  return blocks;
}

std::string JoinedText(const Json* content) {
  std::string out;
  for (const Json& block : ContentBlocks(content)) {
    if (block["type"] != "text") continue;
    if (!out.empty()) out += "\n";
    out += block["text"].get<std::string>();
  }
  return out;
}

// OpenAI arguments are a JSON string; Anthropic wants an object (gotcha 1).
Json ToolInput(const Json* arguments) {
  if (arguments && arguments->is_object()) return *arguments;
  Json parsed = ParseJsonBounded(StrOr(arguments));
  return parsed.is_object() ? parsed : Json::object();
}

Json AssistantBlocks(const Json& msg) {
  Json blocks = ContentBlocks(Field(msg, "content"));
  const Json* calls = Field(msg, "tool_calls");
  if (calls == nullptr || !calls->is_array()) return blocks;
  for (const Json& call : *calls) {
    const Json* fn = Field(call, "function");
    blocks.push_back({{"type", "tool_use"}, {"id", StrOr(Field(call, "id"))},
                      {"name", StrOr(Field(Obj(fn), "name"))}, {"input", ToolInput(Field(Obj(fn), "arguments"))}});
  }
  return blocks;
}

Json ToolResultBlock(const Json& msg) {
  Json block = {{"type", "tool_result"}, {"tool_use_id", StrOr(Field(msg, "tool_call_id"))}};
  const Json* content = Field(msg, "content");
  if (const std::string* text = Str(content)) {
    if (!text->empty()) block["content"] = *text;
  } else if (Json parts = ContentBlocks(content); !parts.empty()) {
    block["content"] = std::move(parts);
  }
  return block;
}

// Turns in order, consecutive same-role turns merged into one.
class Conversation {
 public:
  void Add(const std::string& role, Json blocks) {
    if (blocks.empty()) return;
    if (turns_.empty() || turns_.back().first != role) turns_.emplace_back(role, Json::array());
    for (Json& b : blocks) turns_.back().second.push_back(std::move(b));
  }

  Json Messages() {
    Json out = Json::array();
    for (auto& [role, blocks] : turns_) {
      // tool_result blocks must lead their user turn.
      std::stable_partition(blocks.begin(), blocks.end(),
                            [](const Json& b) { return b["type"] == "tool_result"; });
      bool single_text = blocks.size() == 1 && blocks[0]["type"] == "text" &&
                         !blocks[0].contains("cache_control");
      out.push_back({{"role", role}, {"content", single_text ? blocks[0]["text"] : blocks}});
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, Json>> turns_;
};

void AddMessages(const Json* messages, Json& body) {
  Conversation turns;
  std::string system;
  if (messages && messages->is_array()) {
    for (const Json& msg : *messages) {
      std::string role = StrOr(Field(msg, "role"));
      if (role == "system" || role == "developer") {
        std::string text = JoinedText(Field(msg, "content"));
        if (text.empty()) continue;
        if (!system.empty()) system += "\n\n";
        system += text;
      } else if (role == "assistant") {
        turns.Add("assistant", AssistantBlocks(msg));
      } else if (role == "tool") {
        turns.Add("user", Json::array({ToolResultBlock(msg)}));
      } else if (role == "user") {
        turns.Add("user", ContentBlocks(Field(msg, "content")));
      }
    }
  }
  if (!system.empty()) body["system"] = system;
  body["messages"] = turns.Messages();
}

Json Tools(const Json& tools) {
  Json out = Json::array();
  for (const Json& tool : tools) {
    const Json* fn = Field(tool, "function");
    if (StrOr(Field(tool, "type"), "function") != "function" || fn == nullptr || !fn->is_object()) continue;
    Json t = {{"name", StrOr(Field(*fn, "name"))}};
    if (const std::string* d = Str(Field(*fn, "description"))) t["description"] = *d;
    const Json* schema = Field(*fn, "parameters");
    t["input_schema"] = schema && schema->is_object()
                            ? *schema : Json{{"type", "object"}, {"properties", Json::object()}};
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<Json> ToolChoice(const Json& body) {
  std::optional<Json> choice;
  const Json* tc = Field(body, "tool_choice");
  if (const std::string* mode = Str(tc)) {
    if (*mode == "auto") choice = Json{{"type", "auto"}};
    if (*mode == "none") choice = Json{{"type", "none"}};
    if (*mode == "required") choice = Json{{"type", "any"}};
  } else if (const Json* fn = tc ? Field(*tc, "function") : nullptr) {
    choice = Json{{"type", "tool"}, {"name", StrOr(Field(*fn, "name"))}};
  }
  // OpenAI's flag is the inverse of Anthropic's, which `none` does not accept.
  const Json* parallel = Field(body, "parallel_tool_calls");
  if (parallel && parallel->is_boolean() && !parallel->get<bool>()) {
    if (!choice) choice = Json{{"type", "auto"}};
    if ((*choice)["type"] != "none") (*choice)["disable_parallel_tool_use"] = true;
  }
  return choice;
}

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

Json StopSequences(const Json& stop) {
  Json out = Json::array();
  if (stop.is_string() && !Blank(stop.get<std::string>())) out.push_back(stop);
  if (stop.is_array())
    for (const Json& s : stop)
      if (s.is_string() && !Blank(s.get<std::string>())) out.push_back(s);
  return out;
}

int64_t MaxTokens(const Json& body) {
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    const Json* v = Field(body, key);
    if (v && v->is_number_integer()) return v->get<int64_t>();
  }
  return kDefaultMaxTokens;
}

void AddSampling(const Json& body, Json& out) {
  if (const Json* t = Field(body, "temperature"); t && t->is_number())
    out["temperature"] = std::clamp(t->get<double>(), 0.0, 1.0);  // OpenAI allows up to 2
  if (const Json* p = Field(body, "top_p"); p && p->is_number()) out["top_p"] = *p;
  if (const Json* k = Field(body, "top_k"); k && k->is_number_integer()) out["top_k"] = *k;
  if (const Json* stop = Field(body, "stop")) {
    Json seqs = StopSequences(*stop);
    if (!seqs.empty()) out["stop_sequences"] = std::move(seqs);
  }
}

void AddTools(const Json& body, Json& out) {
  if (const Json* tools = Field(body, "tools"); tools && tools->is_array()) {
    Json t = Tools(*tools);
    if (!t.empty()) out["tools"] = std::move(t);
  }
  if (auto choice = ToolChoice(body)) out["tool_choice"] = std::move(*choice);
}

// The fields translated above; anything else is OpenAI-only and dropped.
void LogDropped(const Json& body) {
  static constexpr std::array<std::string_view, 14> kKnown = {
      "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k",
      "stop", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls", "user"};
  if (!body.is_object() || !log::Enabled(log::Level::kDebug)) return;
  for (const auto& [key, value] : body.items())
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      log::Debug("anthropic: dropped the request field \"" + key + "\" (no Messages API equivalent)");
}

}  // namespace

Json BuildRequest(const Json& openai_body, const std::string& model, bool stream,
                  const BodyOptions& options) {
  Json out = Json::object();
  if (options.model_in_body) out["model"] = model;
  if (!options.body_version.empty()) out["anthropic_version"] = options.body_version;
  out["max_tokens"] = MaxTokens(openai_body);
  AddMessages(Field(openai_body, "messages"), out);
  AddSampling(openai_body, out);
  AddTools(openai_body, out);
  // Not an email: Anthropic refuses personal data in metadata.user_id.
  if (const std::string* user = Str(Field(openai_body, "user")); user && !user->empty() &&
                                                                 user->find('@') == std::string::npos)
    out["metadata"] = {{"user_id", *user}};
  if (stream) out["stream"] = true;
  LogDropped(openai_body);
  return out;
}

std::string SerializeBody(const Json& body) {
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace detour::anthropic
