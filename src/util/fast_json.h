// The hot path's JSON reading (issue #20): validation and field reads without building an
// nlohmann DOM, and the byte spans of an object's top-level members so a body can be
// forwarded with a few members spliced in or out instead of being serialised again.
//
// Parse uses simdjson's DOM parser, one per thread, whose buffers are reused: once warm a
// document costs no allocation. The element it returns stays valid until the next Parse on
// the same thread, so callers read what they need at once and never hold it across
// anything that may switch fibers. Everything else here is pure.
//
// The fast path never decides an error: whatever Parse rejects (invalid JSON or UTF-8,
// nesting deeper than kFastMaxDepth, integers beyond 64 bits) goes to the nlohmann path,
// whose answer (a 400 naming the field, a "malformed" upstream error) is the one given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace detour::fastjson {

// Below util/json_guard.h's kMaxJsonDepth, so anything the nlohmann path would refuse for
// depth is refused here first (and then refused there, with its message).
constexpr size_t kFastMaxDepth = 64;

using Element = simdjson::dom::element;

// The switch for the whole fast path: on unless the environment has DETOUR_FAST_PATH=off
// (read once). Off, Parse refuses everything, so every body and chunk takes the DOM path:
// an operator's way out should the fast path ever misread something, and how the
// equivalence tests run both paths on one input.
bool Enabled();
void SetEnabled(bool on);

// Validates `text` as one JSON document. Fails on anything simdjson refuses, and on
// everything while the fast path is switched off.
simdjson::simdjson_result<Element> Parse(std::string_view text);

// One member of an object, as offsets into the text it was scanned from.
struct Member {
  std::string_view key;  // between the quotes, as written (escapes not decoded)
  size_t begin = 0;      // the key's opening quote
  size_t value_begin = 0;
  size_t end = 0;        // just past the value
};

// The members of the object at text[at] (text must be valid JSON, as Parse accepted, and
// text[at] must be '{' after optional whitespace). Appends to *out; false when the value
// there is not an object.
bool ObjectMembers(std::string_view text, size_t at, std::vector<Member>* out);

// Whether any two members have the same key, or a key is written with an escape (then it
// may equal another key once decoded): the cases where "last one wins" (nlohmann) and a
// splice of the first occurrence could disagree, left to the DOM path.
bool KeysAmbiguous(const std::vector<Member>& members);

// Appends `s` as a JSON string literal (quotes, escapes for '"', '\\' and control bytes;
// other bytes as they are: the text is valid UTF-8 wherever it came from a parsed body).
void AppendString(std::string& out, std::string_view s);

// Removes the top-level member `key` (and the comma that joined it) from `text`, a valid
// JSON object; false (text unchanged) when it has no such member.
bool EraseMember(std::string& text, std::string_view key);

}  // namespace detour::fastjson
