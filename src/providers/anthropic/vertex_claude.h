// Claude on Vertex AI (provider-protocols.md 8b): Anthropic's Messages protocol with the
// model in the URL instead of the body, `"anthropic_version": "vertex-2023-10-16"` in the
// body, no x-api-key and no anthropic-version header. The credential is an OAuth bearer
// token the caller supplies through a TokenSource (providers/token_source.h) given to the
// HttpProvider. Answers, streams and error bodies are Anthropic's.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "model/clock.h"
#include "providers/protocol.h"

namespace detour::anthropic {

constexpr const char* kVertexBodyVersion = "vertex-2023-10-16";

// `url`: the model's resource URL, https://{host}/v1/projects/{P}/locations/{L}/publishers/
// anthropic/models/{M} (a trailing ":rawPredict" or ":streamRawPredict" is accepted and
// ignored). Complete posts to url:rawPredict, Stream to url:streamRawPredict. No model
// list (probe = "models" falls back to a one-token chat). The deployment's extra headers
// are sent; `clock` must outlive the protocol.
std::unique_ptr<Protocol> MakeVertexClaudeProtocol(const DeploymentConfig& dep, std::string url,
                                                   const Clock& clock = SystemClock());

}  // namespace detour::anthropic
