// Every field read is type-checked: upstream JSON is untrusted and nlohmann throws on
// type mismatches.
#include "providers/openai/wire.h"

#include <cstdint>

#include "providers/classify.h"
#include "util/json_guard.h"

namespace detour::openai {
namespace {

const Json* Field(const Json& obj, const char* key) { return FindField(obj, key); }

int64_t IntField(const Json& obj, const char* key) {
  const Json* v = Field(obj, key);
  if (v == nullptr || !v->is_number()) return 0;
  return v->is_number_float() ? ClampToInt64(v->get<double>()) : v->get<int64_t>();
}

bool NonEmptyString(const Json* v) { return v && v->is_string() && !v->get_ref<const std::string&>().empty(); }

// A refusal, tool calls or a function call: content that is not plain text.
bool DeltaHasNonText(const Json& delta) {
  if (NonEmptyString(Field(delta, "refusal"))) return true;
  const Json* tools = Field(delta, "tool_calls");
  if (tools && tools->is_array() && !tools->empty()) return true;
  const Json* fn = Field(delta, "function_call");
  return fn && fn->is_object() && !fn->empty();
}

bool DeltaHasContent(const Json& delta) {
  return NonEmptyString(Field(delta, "content")) || DeltaHasNonText(delta);
}

int64_t ChoiceIndex(const Json& choice, int64_t position) {
  const Json* idx = Field(choice, "index");
  return idx && idx->is_number_integer() ? idx->get<int64_t>() : position;
}

const Json* Choices(const Json& chunk) {
  const Json* c = Field(chunk, "choices");
  return c && c->is_array() ? c : nullptr;
}

}  // namespace

Json BuildBody(const ChatRequest& req, const std::string& model, bool stream) {
  Json body = req.body.is_object() ? req.body : Json::object();
  body["model"] = model;
  body["stream"] = stream;
  if (stream) {
    Json& options = body["stream_options"];
    if (!options.is_object()) options = Json::object();
    options["include_usage"] = true;
  } else {
    body.erase("stream_options");
  }
  return body;
}

std::string SerializeBody(const Json& body) {
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Usage ParseUsage(const Json& usage) {
  Usage u;
  u.prompt_tokens = IntField(usage, "prompt_tokens");
  u.completion_tokens = IntField(usage, "completion_tokens");
  if (const Json* details = Field(usage, "prompt_tokens_details"); details && details->is_object())
    u.cached_tokens = IntField(*details, "cached_tokens");
  return u;
}

Result<ChatResponse> ParseCompletion(std::string_view body, const std::string& fallback_model) {
  Json doc = ParseJsonBounded(body);
  if (!doc.is_object())
    return Fail(MakeError(ErrorKind::kConnection, "malformed response from upstream", 200));
  if (const Json* err = ChunkError(doc)) return Fail(ClassifyErrorObject(*err));
  ChatResponse out;
  if (const Json* usage = Field(doc, "usage")) out.usage = ParseUsage(*usage);
  const Json* model = Field(doc, "model");
  out.model = NonEmptyString(model) ? model->get<std::string>() : fallback_model;
  out.body = std::move(doc);
  return out;
}

Result<EmbeddingResponse> ParseEmbeddings(std::string_view body, const std::string& fallback_model) {
  Json doc = ParseJsonBounded(body);
  if (!doc.is_object())
    return Fail(MakeError(ErrorKind::kConnection, "malformed embeddings response from upstream", 200));
  if (const Json* err = ChunkError(doc)) return Fail(ClassifyErrorObject(*err));
  const Json* data = Field(doc, "data");
  if (!data || !data->is_array())
    return Fail(MakeError(ErrorKind::kConnection, "malformed embeddings response from upstream: no data", 200));
  EmbeddingResponse out;
  if (const Json* usage = Field(doc, "usage")) out.usage = ParseUsage(*usage);
  const Json* model = Field(doc, "model");
  out.model = NonEmptyString(model) ? model->get<std::string>() : fallback_model;
  out.body = std::move(doc);
  return out;
}

StreamChunk ParseChunk(Json chunk) {
  StreamChunk out;
  if (const Json* choices = Choices(chunk)) {
    int64_t position = 0;
    for (const Json& choice : *choices) {
      bool first = ChoiceIndex(choice, position) == 0;
      if (const Json* delta = Field(choice, "delta")) {
        out.has_content = out.has_content || DeltaHasContent(*delta);
        const Json* content = Field(*delta, "content");
        if (first && NonEmptyString(content)) out.text = content->get<std::string>();
        if (!first || DeltaHasNonText(*delta)) out.text_only = false;
      }
      const Json* finish = Field(choice, "finish_reason");
      if (first && NonEmptyString(finish)) out.finish_reason = finish->get<std::string>();
      ++position;
    }
  }
  const Json* usage = Field(chunk, "usage");
  if (usage && usage->is_object()) out.usage = ParseUsage(*usage);
  out.data = std::move(chunk);
  return out;
}

const Json* ChunkError(const Json& chunk) {
  const Json* err = Field(chunk, "error");
  if (err == nullptr || err->is_null() || (err->is_boolean() && !err->get<bool>())) return nullptr;
  return err;
}

bool IsFilterOnly(const Json& chunk) {
  const Json* choices = Choices(chunk);
  const Json* usage = Field(chunk, "usage");
  bool no_choices = choices == nullptr || choices->empty();
  return no_choices && (usage == nullptr || !usage->is_object());
}

void CollectFinished(const Json& chunk, std::set<int64_t>& finished) {
  const Json* choices = Choices(chunk);
  if (choices == nullptr) return;
  int64_t position = 0;
  for (const Json& choice : *choices) {
    if (NonEmptyString(Field(choice, "finish_reason")))
      finished.insert(ChoiceIndex(choice, position));
    ++position;
  }
}

int64_t ClampToInt64(double v) {
  // 2^63 is exactly representable; anything at or past it (or NaN) would be undefined.
  if (!(v < 9223372036854775808.0)) return v != v ? 0 : INT64_MAX;
  if (v < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(v);
}

int64_t ChoiceCount(const ChatRequest& req) { return req.raw ? req.raw->choices() : ChoiceCount(req.body); }

int64_t ChoiceCount(const Json& body) {
  const Json* n = Field(body, "n");
  if (n == nullptr || !n->is_number_integer()) return 1;
  int64_t count = n->get<int64_t>();
  return count >= 1 ? count : 1;
}

}  // namespace detour::openai
