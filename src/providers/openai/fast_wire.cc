// Reads mirror wire.cc field by field: a duplicated key counts by its last occurrence (as
// nlohmann keeps the last), a field of the wrong type counts as absent.
#include "providers/openai/fast_wire.h"

#include <cstring>
#include <string_view>

#include "providers/openai/wire.h"
#include "util/fast_json.h"

namespace detour::openai {
namespace {

using fastjson::Element;
using Type = simdjson::dom::element_type;

// The last member `key` of `e` when `e` is an object, else nullopt.
std::optional<Element> Field(Element e, std::string_view key) {
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) return std::nullopt;
  std::optional<Element> found;
  for (auto field : obj)
    if (field.key == key) found = field.value;
  return found;
}

std::string_view StringOf(const std::optional<Element>& e) {
  std::string_view s;
  if (!e || e->get(s) != simdjson::SUCCESS) return {};
  return s;
}

bool IsString(const std::optional<Element>& e) { return e && e->type() == Type::STRING; }
bool IsInteger(const std::optional<Element>& e) {
  return e && (e->type() == Type::INT64 || e->type() == Type::UINT64);
}

// nlohmann's get<int64_t>() of an integer (an unsigned one past INT64_MAX wraps, as there).
int64_t IntegerOf(Element e) {
  if (e.type() == Type::UINT64) return static_cast<int64_t>(e.get_uint64().value_unsafe());
  return e.get_int64().value_unsafe();
}

// IntField in wire.cc.
int64_t IntField(Element obj, std::string_view key) {
  auto v = Field(obj, key);
  if (!v) return 0;
  if (v->type() == Type::DOUBLE) return ClampToInt64(v->get_double().value_unsafe());
  return IsInteger(v) ? IntegerOf(*v) : 0;
}

Usage UsageOf(Element usage) {
  Usage u;
  u.prompt_tokens = IntField(usage, "prompt_tokens");
  u.completion_tokens = IntField(usage, "completion_tokens");
  if (auto details = Field(usage, "prompt_tokens_details"); details && details->type() == Type::OBJECT)
    u.cached_tokens = IntField(*details, "cached_tokens");
  return u;
}

// ChunkError in wire.cc: an "error" member that is neither null nor false.
bool HoldsError(Element doc) {
  auto err = Field(doc, "error");
  if (!err || err->type() == Type::NULL_VALUE) return false;
  bool b = true;
  return !(err->get(b) == simdjson::SUCCESS && !b);
}

// A root whose keys are unique and unescaped (decoded keys compared: simdjson decodes).
bool RootKeysPlain(Element root) {
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return false;
  thread_local std::vector<std::string_view> keys;  // reused: no allocation per answer
  keys.clear();
  for (auto field : obj) {
    for (auto k : keys)
      if (k == field.key) return false;
    keys.push_back(field.key);
  }
  return true;
}

bool DeltaHasNonText(Element delta) {
  if (!StringOf(Field(delta, "refusal")).empty()) return true;
  simdjson::dom::array tools;
  if (auto t = Field(delta, "tool_calls"); t && t->get(tools) == simdjson::SUCCESS && tools.begin() != tools.end())
    return true;
  simdjson::dom::object fn;
  auto f = Field(delta, "function_call");
  return f && f->get(fn) == simdjson::SUCCESS && fn.begin() != fn.end();
}

// ParseChunk's and CollectFinished's walk over the choices.
void ReadChoices(simdjson::dom::array choices, ScannedChunk& out) {
  StreamChunk& c = out.chunk;
  int64_t position = 0;
  for (Element choice : choices) {
    auto idx = Field(choice, "index");
    int64_t index = IsInteger(idx) ? IntegerOf(*idx) : position;
    bool first = index == 0;
    if (auto delta = Field(choice, "delta")) {
      std::string_view content = StringOf(Field(*delta, "content"));
      bool non_text = DeltaHasNonText(*delta);
      c.has_content = c.has_content || !content.empty() || non_text;
      if (first && !content.empty()) c.text = std::string(content);
      if (!first || non_text) c.text_only = false;
    }
    std::string_view finish = StringOf(Field(choice, "finish_reason"));
    if (!finish.empty()) {
      out.finished.push_back(index);
      if (first) c.finish_reason = std::string(finish);
    }
    ++position;
  }
}

bool MemberIs(const fastjson::Member& m, std::string_view key) { return m.key == key; }

bool DetourOnly(const fastjson::Member& m) {
  return MemberIs(m, "fallbacks") || MemberIs(m, "num_retries") || MemberIs(m, "timeout");
}

// stream_options with include_usage forced on (the client's other options kept).
void AppendStreamOptions(std::string& out, std::string_view text, const fastjson::Member& m) {
  out.append("\"stream_options\":{");
  thread_local std::vector<fastjson::Member> inner;
  inner.clear();
  if (fastjson::ObjectMembers(text, m.value_begin, &inner)) {
    for (const auto& o : inner) {
      if (MemberIs(o, "include_usage")) continue;
      out.append(text.substr(o.begin, o.end - o.begin)).push_back(',');
    }
  }
  out.append("\"include_usage\":true}");
}

}  // namespace

std::string SpliceBody(const RawBody& raw, const std::string& model, bool stream) {
  std::string_view text = raw.text();
  thread_local std::vector<fastjson::Member> members;  // reused: no allocation per request
  members.clear();
  fastjson::ObjectMembers(text, 0, &members);
  std::string out;
  out.reserve(text.size() + model.size() + 64);
  out.push_back('{');
  bool saw_model = false, saw_stream = false, saw_options = false;
  auto next = [&] {
    if (out.size() > 1) out.push_back(',');
  };
  for (const auto& m : members) {
    if (DetourOnly(m)) continue;
    if (MemberIs(m, "stream_options") && !stream) continue;
    next();
    if (MemberIs(m, "model")) {
      saw_model = true;
      out.append("\"model\":");
      fastjson::AppendString(out, model);
    } else if (MemberIs(m, "stream")) {
      saw_stream = true;
      out.append(stream ? "\"stream\":true" : "\"stream\":false");
    } else if (MemberIs(m, "stream_options")) {
      saw_options = true;
      AppendStreamOptions(out, text, m);
    } else {
      out.append(text.substr(m.begin, m.end - m.begin));
    }
  }
  if (!saw_model) {
    next();
    out.append("\"model\":");
    fastjson::AppendString(out, model);
  }
  if (!saw_stream) {
    next();
    out.append(stream ? "\"stream\":true" : "\"stream\":false");
  }
  if (stream && !saw_options) {
    next();
    out.append("\"stream_options\":{\"include_usage\":true}");
  }
  out.push_back('}');
  return out;
}

std::optional<ChatResponse> ScanCompletion(std::string_view body, const std::string& fallback_model) {
  Element doc;
  if (fastjson::Parse(body).get(doc) != simdjson::SUCCESS || doc.type() != Type::OBJECT) return std::nullopt;
  if (!RootKeysPlain(doc) || HoldsError(doc)) return std::nullopt;
  ChatResponse out;
  if (auto usage = Field(doc, "usage")) out.usage = UsageOf(*usage);
  std::string_view model = StringOf(Field(doc, "model"));
  out.model = model.empty() ? fallback_model : std::string(model);
  out.raw = std::string(body);
  return out;
}

std::optional<ScannedChunk> ScanChunk(std::string_view data, bool want_model) {
  // A line break inside the JSON would end the SSE `data:` line when forwarded as is.
  // Two vectorised scans (find_first_of would call memchr on the set once per byte).
  if (std::memchr(data.data(), '\n', data.size()) || std::memchr(data.data(), '\r', data.size()))
    return std::nullopt;
  Element doc;
  if (fastjson::Parse(data).get(doc) != simdjson::SUCCESS || doc.type() != Type::OBJECT) return std::nullopt;
  // Keys checked as written, not decoded: the commit gate splices `usage` out by its bytes.
  thread_local std::vector<fastjson::Member> members;
  members.clear();
  if (!fastjson::ObjectMembers(data, 0, &members) || fastjson::KeysAmbiguous(members)) return std::nullopt;
  if (HoldsError(doc)) return std::nullopt;
  ScannedChunk out;
  simdjson::dom::array choices;
  bool has_choices = false;
  if (auto c = Field(doc, "choices"); c && c->get(choices) == simdjson::SUCCESS)
    has_choices = choices.begin() != choices.end();
  auto usage = Field(doc, "usage");
  bool usage_object = usage && usage->type() == Type::OBJECT;
  if (!has_choices && !usage_object) {
    out.filter_only = true;
    return out;
  }
  if (has_choices) ReadChoices(choices, out);
  if (usage_object) out.chunk.usage = UsageOf(*usage);
  if (want_model)
    if (auto model = Field(doc, "model"); IsString(model)) out.model = std::string(StringOf(model));
  out.chunk.raw = std::string(data);
  return out;
}

}  // namespace detour::openai
