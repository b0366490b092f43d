// Where a deployment's credential comes from when it is not a fixed key: an OAuth access
// token (Vertex AI's, minted from a service account) that expires and is refreshed. The
// shared attempt code (providers/http_provider.h) asks for a token before each exchange
// and sends it as `Authorization: Bearer`.
// Thread-safe: one source serves every concurrent attempt of its deployment; a source
// refreshes at most once at a time and never waits past the attempt's deadline.
#pragma once

#include <string>

#include "model/error.h"
#include "providers/provider.h"

namespace detour {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A currently valid access token. A refused or failed exchange is an Error (a refusal is
  // kind auth); waits at most until limits.deadline. Tokens never appear in error texts,
  // and every token minted is registered with log::RegisterSecret.
  virtual Result<std::string> Token(const AttemptLimits& limits) = 0;
};

}  // namespace detour
