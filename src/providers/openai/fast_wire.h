// The same-protocol fast path of the OpenAI family (issue #20): when client and upstream
// both speak Chat Completions, the request goes up as the client's bytes with a few
// members spliced, and answers and stream chunks are validated and read for what detour
// needs (usage, finish reasons, content, the model, the error shape) without a DOM, then
// forwarded as received.
//
// Each function gives exactly what its DOM counterpart in wire.h gives for the same input
// (compared as parsed JSON; tests/unit/providers/fast_wire_equivalence_test.cc), or
// nullopt where the DOM path must decide: text that is not valid JSON, a body or chunk
// holding an error, duplicate or escaped keys. So every error and every classification
// still comes from one place. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/types.h"

namespace detour::openai {

// What SerializeBody(BuildBody(req, model, stream)) sends, from the client's bytes:
// `model` := model, `stream` := stream, the detour-only fields left out, and
// stream_options.include_usage = true for a stream (stream_options dropped otherwise).
// Members keep the client's order.
std::string SpliceBody(const RawBody& raw, const std::string& model, bool stream);

// ParseCompletion for a 2xx body, with `raw` holding the body (and `body` null).
std::optional<ChatResponse> ScanCompletion(std::string_view body, const std::string& fallback_model);

// One stream event's JSON read without a DOM: what StreamReader takes from a chunk.
struct ScannedChunk {
  bool filter_only = false;       // IsFilterOnly: dropped, nothing else read
  StreamChunk chunk;              // ParseChunk's fields, with `raw` = the text
  std::vector<int64_t> finished;  // CollectFinished
  std::optional<std::string> model;  // the chunk's `model` when it is a string
};
// want_model false leaves `model` unset (a reader that already has the stream's model
// need not copy it from every chunk).
std::optional<ScannedChunk> ScanChunk(std::string_view data, bool want_model = true);

}  // namespace detour::openai
