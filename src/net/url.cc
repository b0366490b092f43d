// URL splitting: scheme, authority (host, optional port), then the request target.
#include "net/url.h"

#include <algorithm>
#include <cctype>

namespace detour::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Parses "host", "host:port", "[v6]" or "[v6]:port" into url->host / url->port.
bool ParseAuthority(std::string_view auth, Url* url) {
  std::string_view host = auth;
  std::string_view port;
  if (!auth.empty() && auth[0] == '[') {
    size_t close = auth.find(']');
    if (close == std::string_view::npos) return false;
    host = auth.substr(1, close - 1);
    std::string_view rest = auth.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
  } else {
    size_t colon = auth.rfind(':');
    if (colon != std::string_view::npos) {
      host = auth.substr(0, colon);
      port = auth.substr(colon + 1);
    }
  }
  if (host.empty()) return false;
  url->host = std::string(host);
  if (port.empty()) return true;
  if (port.size() > 5) return false;
  int value = 0;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  if (value <= 0 || value > 65535) return false;
  url->port = value;
  return true;
}

}  // namespace

std::string Url::Origin() const {
  bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

Expected<Url, std::string> ParseUrl(std::string_view text) {
  Url url;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Fail(std::string("URL is not absolute"));
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return Fail(std::string("URL scheme must be http or https"));
  }
  std::string_view rest = text.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view auth = rest.substr(0, end);
  if (auth.find('@') != std::string_view::npos) {
    return Fail(std::string("URL must not carry credentials"));
  }
  if (!ParseAuthority(auth, &url)) return Fail(std::string("URL has an invalid host or port"));
  if (url.port == 0) url.port = url.scheme == "https" ? 443 : 80;
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  target = target.substr(0, target.find('#'));
  url.target = std::string(target);
  if (url.target.empty() || url.target[0] != '/') url.target.insert(0, "/");
  return url;
}

}  // namespace detour::net
