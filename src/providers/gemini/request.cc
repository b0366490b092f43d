// OpenAI chat body -> Gemini generateContent body (provider-protocols.md 6.4). The
// caller's body is untrusted (it came from a client): every field read is type-checked
// and anything unexpected is skipped rather than thrown on.
#include <array>
#include <map>

#include "providers/gemini/tool_ids.h"
#include "providers/gemini/wire.h"
#include "util/json_guard.h"

namespace detour::gemini {
namespace {

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

// A string content, or the text parts of an array content joined.
std::string ContentText(const Json* content) {
  if (!content) return {};
  if (content->is_string()) return content->get<std::string>();
  std::string text;
  if (content->is_array())
    for (const Json& part : *content)
      if (Str(Field(part, "type")) == "text") text += Str(Field(part, "text"));
  return text;
}

// "data:image/png;base64,AAAA" -> inlineData; any other URL -> fileData.
Json ImagePart(const Json& image_url) {
  std::string url = image_url.is_string() ? image_url.get<std::string>() : Str(Field(image_url, "url"));
  const std::string marker = ";base64,";
  size_t at = url.find(marker);
  if (url.rfind("data:", 0) == 0 && at != std::string::npos)
    return {{"inlineData", {{"mimeType", url.substr(5, at - 5)}, {"data", url.substr(at + marker.size())}}}};
  std::string mime = "image/jpeg";
  if (url.size() > 4 && url.compare(url.size() - 4, 4, ".png") == 0) mime = "image/png";
  if (url.size() > 5 && url.compare(url.size() - 5, 5, ".webp") == 0) mime = "image/webp";
  return {{"fileData", {{"mimeType", mime}, {"fileUri", url}}}};
}

Json UserParts(const Json* content) {
  Json parts = Json::array();
  if (content && content->is_array()) {
    for (const Json& part : *content) {
      std::string type = Str(Field(part, "type"));
      std::string text = Str(Field(part, "text"));
      if (type == "text" && !text.empty()) parts.push_back({{"text", text}});
      const Json* image = Field(part, "image_url");
      if (type == "image_url" && image) parts.push_back(ImagePart(*image));
    }
    return parts;
  }
  std::string text = ContentText(content);
  if (!text.empty()) parts.push_back({{"text", text}});  // Gemini rejects empty text parts
  return parts;
}

// Gemini wants args as an object; OpenAI sends a JSON string (possibly not JSON at all).
Json ArgsObject(const Json* arguments) {
  if (arguments && arguments->is_object()) return *arguments;
  Json parsed = ParseJsonBounded(Str(arguments));
  return parsed.is_object() ? parsed : Json::object();
}

Json ModelParts(const Json& msg) {
  Json parts = UserParts(Field(msg, "content"));
  const Json* calls = Field(msg, "tool_calls");
  if (!calls || !calls->is_array()) return parts;
  for (const Json& call : *calls) {
    const Json* fn = Field(call, "function");
    if (!fn) continue;
    Json part = {{"functionCall", {{"name", Str(Field(*fn, "name"))}, {"args", ArgsObject(Field(*fn, "arguments"))}}}};
    std::string signature = SignatureFromId(Str(Field(call, "id")));
    if (!signature.empty()) part["thoughtSignature"] = signature;
    parts.push_back(std::move(part));
  }
  return parts;
}

// Gemini matches results to calls by name, so the name comes from the call with this id.
Json ResultPart(const Json& msg, const std::map<std::string, std::string>& names) {
  auto it = names.find(Str(Field(msg, "tool_call_id")));
  std::string name = it != names.end() ? it->second : Str(Field(msg, "name"));
  if (name.empty()) name = "tool";
  std::string text = ContentText(Field(msg, "content"));
  Json parsed = ParseJsonBounded(text);
  Json response = parsed.is_object() ? parsed : Json{{"content", text}};
  return {{"functionResponse", {{"name", name}, {"response", std::move(response)}}}};
}

std::map<std::string, std::string> CallNames(const Json& messages) {
  std::map<std::string, std::string> names;
  for (const Json& msg : messages) {
    const Json* calls = Field(msg, "tool_calls");
    if (!calls || !calls->is_array()) continue;
    for (const Json& call : *calls)
      if (const Json* fn = Field(call, "function")) names[Str(Field(call, "id"))] = Str(Field(*fn, "name"));
  }
  return names;
}

// Consecutive turns of one role (and tool results with tool results) become one turn.
class Contents {
 public:
  void Add(const char* role, bool tool_results, Json parts) {
    if (parts.empty()) return;
    if (!out_.empty() && last_role_ == role && last_tool_ == tool_results) {
      for (Json& p : parts) out_.back()["parts"].push_back(std::move(p));
      return;
    }
    out_.push_back({{"role", role}, {"parts", std::move(parts)}});
    last_role_ = role;
    last_tool_ = tool_results;
  }
  Json Take() { return std::move(out_); }

 private:
  Json out_ = Json::array();
  std::string last_role_;
  bool last_tool_ = false;
};

void AddMessages(const Json& messages, Json& body) {
  auto names = CallNames(messages);
  Contents contents;
  Json system = Json::array();
  for (const Json& msg : messages) {
    std::string role = Str(Field(msg, "role"));
    if (role == "system" || role == "developer") {
      std::string text = ContentText(Field(msg, "content"));
      if (!text.empty()) system.push_back({{"text", text}});
    } else if (role == "assistant") {
      contents.Add("model", false, ModelParts(msg));
    } else if (role == "tool" || role == "function") {
      contents.Add("user", true, Json::array({ResultPart(msg, names)}));
    } else {
      contents.Add("user", false, UserParts(Field(msg, "content")));
    }
  }
  if (!system.empty()) body["systemInstruction"] = {{"parts", std::move(system)}};
  body["contents"] = contents.Take();
}

}  // namespace

Json BuildBody(const Json& openai_body) {
  Json body = Json::object();
  const Json* messages = Field(openai_body, "messages");
  AddMessages(messages && messages->is_array() ? *messages : Json::array(), body);
  AddGenerationConfig(openai_body, body);
  AddTools(openai_body, body);
  return body;
}

}  // namespace detour::gemini
