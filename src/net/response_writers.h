// How a response goes out on a server connection (internal to net/http_server.cc): the
// head and a whole body in one write, a streamed body (BodySource) chunk by chunk, and a
// deferred response (DeferredResponse) whose body pieces are coalesced per wait of the
// writing fiber. Each returns false once the connection cannot carry another request
// (the client left, a write failed, the body was cut or never finished).
#pragma once

#include <chrono>
#include <string_view>

#include "net/http_server.h"
#include "net/socket.h"

namespace detour::net {

inline constexpr auto kServerIoTimeout = std::chrono::seconds(30);  // a stalled peer mid-request/response

// The status line and headers (Content-Length for `body`, or chunked framing), and the
// body with them in one write. A header that cannot be sent is a handler's bug: a 500.
// res is left as it was (the framing goes straight into the head's bytes).
bool SendResponseHead(Socket& sock, const ServerResponse& res, bool keep_alive, bool chunked,
                      std::string_view body);

// res.stream: the head at once (a streaming client learns the status at commit), then the
// source's pieces, then the last chunk unless the source cut the body or a write failed.
bool RespondStream(Socket& sock, ServerResponse& res, bool keep_alive);

// res.deferred: runs the continuation with a ResponseWriter, then ends a begun body
// (the last chunk goes out with the last pieces), or answers 500 when it wrote nothing.
bool RespondDeferred(Socket& sock, ServerResponse& res, bool keep_alive);

}  // namespace detour::net
