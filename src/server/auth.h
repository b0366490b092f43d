// Client authentication for `serve` (SPEC 6, 8): `Authorization: Bearer KEY` against
// server.api_keys, compared in constant time so response timing reveals nothing about a
// key. No keys configured = open.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace detour {

bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `authorization` is the raw header value ("" when absent).
bool BearerAuthorized(std::string_view authorization, const std::vector<std::string>& keys);
// `x-api-key: KEY` (Anthropic's header, accepted on /v1/messages). No keys = open.
bool ApiKeyAuthorized(std::string_view x_api_key, const std::vector<std::string>& keys);

// Which of `keys` the client presented (its index: the team lookup), compared in
// constant time over all keys; nullopt when none (or nothing presented).
std::optional<size_t> MatchingKey(std::string_view presented, const std::vector<std::string>& keys);
// The key a request presents: `Authorization: Bearer KEY`, else `x-api-key` ("" = none).
std::string_view PresentedKey(std::string_view authorization, std::string_view x_api_key);

// The password of `Authorization: Basic base64(user:password)` ("" when not Basic or
// malformed): a browser's way to present a client key to GET /ui (the user is ignored).
std::string BasicPassword(std::string_view authorization);

}  // namespace detour
