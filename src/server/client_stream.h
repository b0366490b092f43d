// A streamed answer written straight to its client (SPEC 3.5, 8): the walk runs on the
// connection's own fiber once the handler has returned (net::DeferredResponse), the status
// line and x-detour-* headers go out at commit, each chunk the commit gate lets through
// is encoded (OpenAI or Anthropic SSE) and written as it comes, and a failure before
// commit is an ordinary error response. A failed write (the client went away) stops the
// walk at once. One fiber per stream and no queue between the walk and the socket.
// The Router must outlive the stream.
#pragma once

#include <memory>
#include <string>

#include "core/router.h"
#include "net/http_server.h"
#include "server/stream_encoder.h"

namespace detour {

// How a failure before commit is answered: the surface's error shape.
using FailureWriter = void (*)(const RouteFailure& f, net::ServerResponse& out);

// Runs `req`'s streamed walk and writes it to `w`. `headers` are the handler's (the
// request id) and go out with the head or the error response.
void StreamToClient(Router& router, const ChatRequest& req, RouteOptions opts, StreamEncoder& encoder,
                    FailureWriter write_failure, const net::Headers& headers, net::ResponseWriter& w);

}  // namespace detour
