#include "cli/listen_address.h"

#include <charconv>

namespace detour {

Expected<ListenAddress, std::string> ParseListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return Fail("\"" + text + "\" is not HOST:PORT (e.g. 127.0.0.1:4000)");
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "127.0.0.1";
  std::string port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (ec != std::errc() || end != port.data() + port.size() || a.port < 0 || a.port > 65535)
    return Fail("\"" + port + "\" in \"" + text + "\" is not a port number (0-65535)");
  a.loopback = a.host == "localhost" || a.host == "::1" || a.host.rfind("127.", 0) == 0;
  return a;
}

}  // namespace detour
