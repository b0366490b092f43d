// The neutral request/response vocabulary. detour's neutral format IS the OpenAI Chat
// Completions shape (as LiteLLM does): OpenAI-family providers pass it through, others
// translate from and to it in their wire.* files.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace detour {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Millis = std::chrono::milliseconds;

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  // Of prompt_tokens, how many the provider read from its prompt cache (OpenAI
  // prompt_tokens_details.cached_tokens, Anthropic cache_read_input_tokens, Gemini
  // cachedContentTokenCount): what session affinity is for.
  int64_t cached_tokens = 0;
  int64_t total() const { return prompt_tokens + completion_tokens; }
};

// The request's `x-detour-cache` header (SPEC 2.5): kNoCache answers from upstream but
// stores the answer; kNoStore neither reads nor stores.
enum class CacheDirective { kNormal, kNoCache, kNoStore };

// Request-level narrowing of the routing policy (SPEC 2.5). Never widens credentials.
struct RequestOverrides {
  std::optional<std::vector<std::string>> fallbacks;
  std::optional<int> num_retries;
  std::optional<Millis> timeout;  // narrows request_timeout for this request
  CacheDirective cache = CacheDirective::kNormal;
};

// A request body that `serve`'s same-protocol fast path validated without building a DOM
// (server/chat_request_fast.cc), kept as the bytes the client sent, so an OpenAI-family
// upstream gets it with a few members spliced (providers/openai/fast_wire.h) rather than
// parsed and serialised again. dom() builds the nlohmann value on first use, once, for code
// that reads or translates the body (other protocols, cache keys, session affinity, the
// context pre-flight); it is thread-safe because a hedge may ask from another thread.
class RawBody {
 public:
  // `drop`: top-level keys the DOM leaves out (detour-only fields); `choices`: the
  // request's `n` as openai::ChoiceCount reads it.
  RawBody(std::string text, std::vector<std::string> drop, int64_t choices)
      : text_(std::move(text)), drop_(std::move(drop)), choices_(choices) {}
  const std::string& text() const { return text_; }
  int64_t choices() const { return choices_; }
  const Json& dom() const;

 private:
  std::string text_;
  std::vector<std::string> drop_;
  int64_t choices_;
  mutable std::once_flag once_;
  mutable Json dom_;
};

struct ChatRequest {
  std::string model;  // the group (or deployment id) the caller asked for
  // OpenAI-shaped body as received, with detour-only fields (fallbacks, num_retries,
  // timeout) removed and `model`/`stream` left for providers to overwrite. Null when `raw`
  // holds the body: read it through RequestJson().
  Json body;
  std::shared_ptr<const RawBody> raw;  // set by the fast path only
  bool stream = false;
  bool client_wants_usage = false;  // stream_options.include_usage from the caller
  RequestOverrides overrides;
  std::string session;  // the x-detour-session header (SPEC 9 session affinity); "" when absent
};

struct ChatResponse {
  Json body;          // OpenAI chat.completion object (model = upstream model); null when raw holds it
  Usage usage;
  std::string model;  // upstream model that answered
  // The upstream's body as received, when the same-protocol fast path read it without a
  // DOM (then body is null until MaterializeBody): forwarded to an OpenAI client as it is.
  std::string raw;
};

// POST /v1/embeddings (SPEC 4): the OpenAI embeddings body as received (`input`, and
// e.g. `dimensions`, `encoding_format`), detour-only fields removed.
struct EmbeddingRequest {
  std::string model;  // the group (or deployment id) the caller asked for
  Json body;
  RequestOverrides overrides;
};

struct EmbeddingResponse {
  Json body;          // OpenAI {"object":"list","data":[{"object":"embedding",...}],...}
  Usage usage;        // prompt tokens only
  std::string model;  // upstream model that answered
};

// One normalised OpenAI chat.completion.chunk.
struct StreamChunk {
  Json data;  // null while `raw` holds the chunk: read through ChunkJson()
  // The chunk's JSON text as the upstream sent it, when the same-protocol fast path read it
  // without a DOM; "" when `data` holds the chunk. Edits go through MutableChunkJson.
  std::string raw;
  bool has_content = false;                  // carries a content token (text, refusal, tool call)
  std::string text;                          // choice 0's delta text ("" when none)
  // False when the chunk carries more than choice-0 text (tool or function calls, a
  // refusal, another choice): what stream replay cannot reproduce by comparing text.
  bool text_only = true;
  std::optional<std::string> finish_reason;  // set on the chunk that ends choice 0
  std::optional<Usage> usage;                // set on a usage chunk (choices empty)
};

// The request body as a DOM, whichever of body and raw holds it.
const Json& RequestJson(const ChatRequest& req);
// The answer as a DOM (parsed from raw when the fast path read it; cold paths only).
Json ResponseJson(const ChatResponse& r);
// Fills r.body from r.raw when only raw holds the answer (raw is kept).
void MaterializeBody(ChatResponse& r);
// The chunk as a DOM: parses raw on first use (raw is kept, so it still goes out as sent).
const Json& ChunkJson(StreamChunk& c);
// For an edit: the chunk's DOM, with raw dropped so the edited DOM is what goes out.
Json& MutableChunkJson(StreamChunk& c);
// Removes the chunk's top-level member `key` (a splice when raw holds the chunk).
void EraseChunkMember(StreamChunk& c, std::string_view key);

// Receives chunks as they arrive; returning false cancels the stream (the client left).
using ChunkSink = std::function<bool(StreamChunk&)>;

struct StreamEnd {
  Usage usage;
  bool usage_reported = false;
  std::string finish_reason;
  std::string model;
};

// Set by a front end when its caller goes away; attempts and sleeps watch it.
using CancelFlag = std::atomic<bool>;

}  // namespace detour
