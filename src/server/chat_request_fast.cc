// ParseChatRequest's checks, read through simdjson (util/fast_json.h) instead of an nlohmann
// DOM. Only the happy path lives here: any check that fails returns nullopt and the DOM
// path (openai_api.cc) answers with its 400. A nested object's repeated key counts by its
// last occurrence, as nlohmann keeps the last; top-level keys must be unique and written
// without escapes, since the upstream body is spliced from their bytes.
#include <algorithm>
#include <climits>
#include <cstdint>

#include "server/openai_api.h"
#include "util/fast_json.h"

namespace detour {
namespace {

using fastjson::Element;
using Type = simdjson::dom::element_type;
using Slot = std::optional<Element>;

// The top-level members ParseChatRequest reads.
struct Fields {
  Slot model, messages, stream, stream_options, max_tokens, max_completion_tokens, temperature,
      top_p, n, num_retries, timeout, fallbacks;
};

Slot* SlotOf(Fields& f, std::string_view key) {
  static constexpr std::pair<std::string_view, Slot Fields::*> kSlots[] = {
      {"model", &Fields::model},
      {"messages", &Fields::messages},
      {"stream", &Fields::stream},
      {"stream_options", &Fields::stream_options},
      {"max_tokens", &Fields::max_tokens},
      {"max_completion_tokens", &Fields::max_completion_tokens},
      {"temperature", &Fields::temperature},
      {"top_p", &Fields::top_p},
      {"n", &Fields::n},
      {"num_retries", &Fields::num_retries},
      {"timeout", &Fields::timeout},
      {"fallbacks", &Fields::fallbacks}};
  for (const auto& [name, slot] : kSlots)
    if (name == key) return &(f.*slot);
  return nullptr;
}

bool IsInteger(Element e) { return e.type() == Type::INT64 || e.type() == Type::UINT64; }
bool IsNumber(Element e) { return IsInteger(e) || e.type() == Type::DOUBLE; }
bool IsBool(Element e) { return e.type() == Type::BOOL; }
bool IsObject(Element e) { return e.type() == Type::OBJECT; }
bool IsArray(Element e) { return e.type() == Type::ARRAY; }

// CheckTypes: absent, null, or of the type detour reads.
bool TypeOk(const Slot& v, bool (*is)(Element)) { return !v || v->type() == Type::NULL_VALUE || is(*v); }

bool Present(const Slot& v) { return v && v->type() != Type::NULL_VALUE; }

// CheckMessages: a non-empty array of objects whose (last) `role` is a string.
bool MessagesOk(const Slot& messages) {
  simdjson::dom::array arr;
  if (!messages || messages->get(arr) != simdjson::SUCCESS || arr.begin() == arr.end()) return false;
  for (Element m : arr) {
    simdjson::dom::object obj;
    if (m.get(obj) != simdjson::SUCCESS) return false;
    bool role_is_string = false;
    for (auto field : obj)
      if (field.key == "role") role_is_string = field.value.type() == Type::STRING;
    if (!role_is_string) return false;
  }
  return true;
}

bool TypesOk(const Fields& f) {
  return TypeOk(f.stream, IsBool) && TypeOk(f.stream_options, IsObject) &&
         TypeOk(f.max_tokens, IsInteger) && TypeOk(f.max_completion_tokens, IsInteger) &&
         TypeOk(f.temperature, IsNumber) && TypeOk(f.top_p, IsNumber) && TypeOk(f.n, IsInteger) &&
         TypeOk(f.num_retries, IsInteger) && TypeOk(f.timeout, IsNumber) && TypeOk(f.fallbacks, IsArray);
}

// TakeOverrides without the erasing (the splice and RawBody::dom leave the fields out).
bool OverridesOk(const Fields& f, RequestOverrides& o) {
  if (Present(f.fallbacks)) {
    std::vector<std::string> groups;
    simdjson::dom::array names;
    if (f.fallbacks->get(names) != simdjson::SUCCESS) return false;
    for (Element g : names) {
      std::string_view name;
      if (g.get(name) != simdjson::SUCCESS) return false;
      groups.emplace_back(name);
    }
    o.fallbacks = std::move(groups);
  }
  if (Present(f.num_retries)) {
    uint64_t n = 0;
    if (f.num_retries->type() == Type::INT64) {
      int64_t v = f.num_retries->get_int64().value_unsafe();
      if (v < 0) return false;
      n = static_cast<uint64_t>(v);
    } else {
      n = f.num_retries->get_uint64().value_unsafe();
    }
    o.num_retries = static_cast<int>(std::min<uint64_t>(n, INT_MAX));
  }
  if (Present(f.timeout)) {
    double s = 0;
    if (f.timeout->get(s) != simdjson::SUCCESS) return false;  // get<double> reads ints too
    o.timeout = TimeoutFromSeconds(s);
    if (!o.timeout) return false;
  }
  return true;
}

bool TrueBool(const Slot& v) {
  bool b = false;
  return v && v->get(b) == simdjson::SUCCESS && b;
}

// stream_options.include_usage, its last occurrence.
bool WantsUsage(const Slot& options) {
  simdjson::dom::object obj;
  if (!options || options->get(obj) != simdjson::SUCCESS) return false;
  bool wants = false;
  for (auto field : obj)
    if (field.key == "include_usage") wants = TrueBool(field.value);
  return wants;
}

// openai::ChoiceCount: `n` when an integer >= 1 (an unsigned one past INT64_MAX reads
// negative there), else 1.
int64_t ChoicesOf(const Slot& n) {
  if (!n || n->type() != Type::INT64) return 1;
  int64_t v = n->get_int64().value_unsafe();
  return v >= 1 ? v : 1;
}

}  // namespace

std::optional<ChatRequest> ParseChatRequestFast(std::string_view text) {
  simdjson::dom::object root;
  if (fastjson::Parse(text).get(root) != simdjson::SUCCESS) return std::nullopt;
  thread_local std::vector<fastjson::Member> members;  // reused: no allocation per request
  members.clear();
  if (!fastjson::ObjectMembers(text, 0, &members) || fastjson::KeysAmbiguous(members)) return std::nullopt;
  Fields f;
  for (auto field : root)
    if (Slot* slot = SlotOf(f, field.key)) *slot = field.value;
  std::string_view model;
  if (!f.model || f.model->get(model) != simdjson::SUCCESS) return std::nullopt;
  if (!MessagesOk(f.messages) || !TypesOk(f)) return std::nullopt;
  ChatRequest req;
  if (!OverridesOk(f, req.overrides)) return std::nullopt;
  req.model = std::string(model);
  req.stream = TrueBool(f.stream);
  req.client_wants_usage = WantsUsage(f.stream_options);
  std::vector<std::string> drop;
  for (const char* key : {"fallbacks", "num_retries", "timeout"})
    if (SlotOf(f, key)->has_value()) drop.emplace_back(key);
  req.raw = std::make_shared<const RawBody>(std::string(text), std::move(drop), ChoicesOf(f.n));
  return req;
}

}  // namespace detour
