// Where and how a deployment is reached, prepared once when its provider is built:
// the full request URL, the fixed headers (auth, content type, the deployment's extras),
// TLS verification, and the upstream model. Plain data, immutable after construction.
#pragma once

#include <string>
#include <string_view>

#include "net/http_client.h"

namespace detour {

struct Endpoint {
  std::string url;
  net::Headers headers;
  bool tls_verify = true;
  std::string model;   // written into the body; the answer's model when upstream names none
  std::string secret;  // the API key, kept only to redact it from error texts
};

// api_base without trailing slashes, followed by `path`.
std::string JoinUrl(std::string_view base, std::string_view path);
// RFC 3986 percent-encoding of everything but unreserved characters (path segments,
// query values).
std::string PercentEncode(std::string_view text);
// Sets `name` (case-insensitive) to `value`, replacing an earlier value.
void SetHeader(net::Headers& headers, std::string_view name, std::string value);

}  // namespace detour
