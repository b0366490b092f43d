// Pre-flight context-window check (SPEC 9 `context_window`): a deployment whose context
// window the prompt clearly cannot fit is skipped before any upstream request, and the
// walk goes to the group's `context_window_fallbacks` (core/walk_decide.cc).
//
// The estimate errs in the request's favour: it counts the prompt's text bytes / 4
// (English prose runs about 4 bytes per token in BPE tokenizers, code and most other
// scripts fewer, so the count is at or under the tokenizer's), counts nothing for images,
// audio or message framing, and a deployment is skipped only when that estimate is more
// than 10% over its window. A prompt near the limit is therefore always sent (the
// provider has the last word, and its context_window error still falls back); a prompt
// clearly over is never sent.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/types.h"

namespace detour {

// The prompt's estimated token count: text of every message (string content, text
// parts, tool-call arguments) and the tool definitions, bytes / 4 rounded up.
int64_t EstimatePromptTokens(const Json& body);

// Built-in context windows (tokens) of well-known models, from the providers' model
// documentation; the longest known prefix of `model` wins ("gpt-4o-2024-08-06" is
// gpt-4o). 0 when unknown: then no pre-flight check unless the deployment sets one.
int64_t KnownContextWindow(std::string_view model);

// Whether a prompt of `estimate` tokens clearly cannot fit `window` (0 = unknown: never):
// the estimate is more than 10% over the window.
bool ClearlyExceeds(int64_t estimate, int64_t window);

}  // namespace detour
