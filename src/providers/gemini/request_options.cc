// generationConfig, tools and toolConfig from the OpenAI body (provider-protocols.md 6.4).
#include <array>

#include "providers/gemini/wire.h"

namespace detour::gemini {
namespace {

constexpr size_t kMaxStopSequences = 5;  // Gemini's limit

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

void CopyNumber(const Json& in, const char* from, Json& out, const char* to) {
  const Json* v = Field(in, from);
  if (v && v->is_number()) out[to] = *v;
}

Json StopSequences(const Json& stop) {
  Json out = Json::array();
  if (stop.is_string()) out.push_back(stop);
  if (stop.is_array())
    for (const Json& s : stop)
      if (s.is_string() && out.size() < kMaxStopSequences) out.push_back(s);
  return out;
}

void AddResponseFormat(const Json& format, Json& config) {
  std::string type = Str(Field(format, "type"));
  if (type != "json_object" && type != "json_schema") return;
  config["responseMimeType"] = "application/json";
  const Json* spec = Field(format, "json_schema");
  const Json* schema = spec ? Field(*spec, "schema") : nullptr;
  if (type == "json_schema" && schema && schema->is_object()) config["responseSchema"] = CleanSchema(*schema);
}

// An object schema without properties: Gemini refuses it, and a declaration without
// parameters means the same (a function that takes nothing).
bool EmptyObjectSchema(const Json& schema) {
  const Json* props = Field(schema, "properties");
  return Str(Field(schema, "type")) == "object" && (!props || props->empty());
}

Json Declaration(const Json& fn) {
  Json d = {{"name", Str(Field(fn, "name"))}};
  if (const Json* desc = Field(fn, "description"); desc && desc->is_string()) d["description"] = *desc;
  const Json* params = Field(fn, "parameters");
  if (params && params->is_object() && !EmptyObjectSchema(*params)) d["parameters"] = CleanSchema(*params);
  return d;
}

Json CallingConfig(const Json& choice) {
  if (choice.is_string()) {
    std::string c = choice.get<std::string>();
    if (c == "none") return {{"mode", "NONE"}};
    if (c == "required") return {{"mode", "ANY"}};
    return {{"mode", "AUTO"}};
  }
  const Json* fn = Field(choice, "function");
  std::string name = fn ? Str(Field(*fn, "name")) : std::string();
  if (name.empty()) return {{"mode", "AUTO"}};
  return {{"mode", "ANY"}, {"allowedFunctionNames", Json::array({name})}};
}

bool Dropped(const std::string& key) {
  static constexpr std::array<std::string_view, 5> kRejected = {"additionalProperties", "$schema", "strict",
                                                                "$id", "$comment"};
  for (std::string_view k : kRejected)
    if (key == k) return true;
  return false;
}

}  // namespace

void AddGenerationConfig(const Json& in, Json& body) {
  Json config = Json::object();
  CopyNumber(in, "temperature", config, "temperature");
  CopyNumber(in, "top_p", config, "topP");
  CopyNumber(in, "top_k", config, "topK");
  CopyNumber(in, "max_tokens", config, "maxOutputTokens");
  CopyNumber(in, "max_completion_tokens", config, "maxOutputTokens");  // the newer name wins
  CopyNumber(in, "n", config, "candidateCount");
  CopyNumber(in, "seed", config, "seed");
  CopyNumber(in, "presence_penalty", config, "presencePenalty");
  CopyNumber(in, "frequency_penalty", config, "frequencyPenalty");
  if (const Json* stop = Field(in, "stop")) {
    Json seqs = StopSequences(*stop);
    if (!seqs.empty()) config["stopSequences"] = std::move(seqs);
  }
  if (const Json* format = Field(in, "response_format")) AddResponseFormat(*format, config);
  if (!config.empty()) body["generationConfig"] = std::move(config);
}

void AddTools(const Json& in, Json& body) {
  const Json* tools = Field(in, "tools");
  Json decls = Json::array();
  if (tools && tools->is_array())
    for (const Json& tool : *tools)
      if (const Json* fn = Field(tool, "function"); fn && fn->is_object()) decls.push_back(Declaration(*fn));
  if (decls.empty()) return;
  body["tools"] = Json::array({{{"functionDeclarations", std::move(decls)}}});
  if (const Json* choice = Field(in, "tool_choice"))
    body["toolConfig"] = {{"functionCallingConfig", CallingConfig(*choice)}};
}

Json CleanSchema(const Json& schema) {
  if (!schema.is_object()) return schema;
  Json out = Json::object();
  for (const auto& [key, value] : schema.items()) {
    if (Dropped(key)) continue;
    if (key == "properties" && value.is_object()) {
      Json props = Json::object();  // property names are the caller's: never dropped
      for (const auto& [name, sub] : value.items()) props[name] = CleanSchema(sub);
      out[key] = std::move(props);
    } else if (key == "items") {
      out[key] = CleanSchema(value);
    } else if ((key == "anyOf" || key == "oneOf" || key == "allOf") && value.is_array()) {
      Json alts = Json::array();
      for (const Json& alt : value) alts.push_back(CleanSchema(alt));
      out[key] = std::move(alts);
    } else {
      out[key] = value;
    }
  }
  return out;
}

}  // namespace detour::gemini
