// Tool-call ids for Gemini, which has none of its own (functionCall.id is usually absent)
// but needs its thoughtSignature back: a thinking model's functionCall part carries an
// opaque signature that must be replayed byte-identical when that turn is sent again
// (400 otherwise). OpenAI's format has no slot for it, so it rides inside the id the
// client gets and hands back (provider-protocols.md 5.2).
//
// Ids look like "call_<16 hex>" plus, with a signature, "_tsb<base64url>" (a canonical
// standard-base64 signature, padding dropped) or "_tsx<hex>" (anything else). Only
// [A-Za-z0-9_-] appears, so clients that validate ids (Anthropic's pattern) accept them.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace detour::gemini {

// A stable id for one call: the same inputs give the same id (a stream and a retried
// parse agree), different calls of one answer differ.
std::string MakeToolCallId(std::string_view response_id, int64_t candidate, int64_t call,
                           std::string_view name, std::string_view args,
                           std::string_view signature);

// The signature carried by an id made above; "" for any other id (other providers' ids
// pass through untouched).
std::string SignatureFromId(std::string_view id);

}  // namespace detour::gemini
