// OpenAI Chat Completions wire conversion (also Azure and OpenAI-compatible servers):
// pure functions between the neutral types and the upstream JSON. The neutral format IS
// this wire format, so conversion is mostly pass-through. Thread-safe, never throw.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/types.h"

namespace detour::openai {

// The upstream body: the caller's body unchanged except `model` := the deployment's model,
// `stream` := `stream`, and for streams stream_options.include_usage = true (SPEC 8: detour
// always counts tokens). A non-stream body loses stream_options (OpenAI rejects it there).
// The controller passes stream=false to Complete and true to Stream.
Json BuildBody(const ChatRequest& req, const std::string& model, bool stream);
std::string SerializeBody(const Json& body);

// A 2xx chat.completion. Not JSON -> connection ("malformed response"); a body holding an
// "error" object -> that error, classified. `fallback_model` fills an empty `model`.
Result<ChatResponse> ParseCompletion(std::string_view body, const std::string& fallback_model);

// A 2xx embeddings list. Not a JSON object with a `data` array -> connection ("malformed
// response"); a body holding an "error" object -> that error, classified.
Result<EmbeddingResponse> ParseEmbeddings(std::string_view body, const std::string& fallback_model);

// A token count read as a double, as an integer (truncated; clamped to int64's range).
int64_t ClampToInt64(double v);

// The request's `n` (choices per answer): openai::ChoiceCount of its body, read without a
// DOM when the fast path kept the body as bytes.
int64_t ChoiceCount(const ChatRequest& req);

// The value of `usage` (zeros for missing fields).
Usage ParseUsage(const Json& usage);

// One parsed chat.completion.chunk. has_content: some choice's delta has non-empty
// content or refusal, tool_calls or function_call. finish_reason: choice 0's, when set.
// usage: set when the chunk carries a usage object (usually the final, choice-less chunk).
StreamChunk ParseChunk(Json chunk);

// The chunk's "error" value when it reports one (non-null, non-false), else nullptr.
const Json* ChunkError(const Json& chunk);

// Azure's filter-annotation chunks: no choices and no usage. Dropped by the controller.
bool IsFilterOnly(const Json& chunk);

// Adds the index of every choice this chunk finishes to `finished`.
void CollectFinished(const Json& chunk, std::set<int64_t>& finished);

// The request's `n` (choices per answer), 1 when absent or invalid.
int64_t ChoiceCount(const Json& body);

}  // namespace detour::openai
