// Parsing `--listen` / server.listen: "HOST:PORT", "[v6]:PORT" or ":PORT" (127.0.0.1).
#pragma once

#include <string>

#include "util/expected.h"

namespace detour {

struct ListenAddress {
  std::string host;
  int port = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1 or localhost
};

Expected<ListenAddress, std::string> ParseListenAddress(const std::string& text);

}  // namespace detour
