#include "providers/endpoint.h"

#include <algorithm>
#include <cctype>

#include "util/ascii.h"

namespace detour {

std::string JoinUrl(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url(base);
  url.append(path);
  return url;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

void SetHeader(net::Headers& headers, std::string_view name, std::string value) {
  auto same = [&](const auto& h) { return EqualsIgnoreCase(h.first, name); };
  headers.erase(std::remove_if(headers.begin(), headers.end(), same), headers.end());
  headers.emplace_back(std::string(name), std::move(value));
}

}  // namespace detour
