// Absolute http/https URL splitting for the client pool. Pure; thread-safe.
// Credentials in the authority (user:pass@) are rejected, so they never reach a log.
#pragma once

#include <string>
#include <string_view>

#include "util/expected.h"

namespace detour::net {

struct Url {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // without IPv6 brackets
  int port = 0;        // explicit, or 80 / 443 by scheme
  std::string target;  // path and query, never empty ("/" at least); fragment dropped
  // "scheme://host:port" (IPv6 in brackets): the pool key and the only URL part that
  // error messages show (a query may carry an API key).
  std::string Origin() const;
};

// The error text names what is wrong, never the URL itself.
Expected<Url, std::string> ParseUrl(std::string_view url);

}  // namespace detour::net
