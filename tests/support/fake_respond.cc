// Response framing: non-stream bodies carry Content-Length; streams and trickles are
// chunked, one HTTP chunk per SSE event (or per trickled byte).
#include "support/fake_respond.h"

#include <strings.h>
#include <sys/socket.h>

#include <algorithm>

#include "support/fake_http.h"

namespace detour::testing {
namespace {

std::string Head(const FakeStep& step, const std::string& content_type, bool chunked,
                 size_t length, bool keep_alive) {
  std::string head = StatusLine(step.status);
  bool has_type = false;
  for (const auto& [k, v] : step.headers) {
    if (strcasecmp(k.c_str(), "Content-Type") == 0) has_type = true;
    head += k + ": " + v + "\r\n";
  }
  if (!has_type) head += "Content-Type: " + content_type + "\r\n";
  if (chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    head += "Content-Length: " + std::to_string(length) + "\r\n";
  }
  head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return head;
}

// One byte per interval, cycling through `source`, until the peer or the server stops.
bool Trickle(const FakeStep& step, const std::string& content_type, const std::string& source,
             ConnIo& io) {
  if (!SendAll(io.fd, Head(step, content_type, true, 0, io.keep_alive))) return false;
  std::string bytes = source.empty() ? std::string(" ") : source;
  for (size_t i = 0;; i = (i + 1) % bytes.size()) {
    if (!io.sleep(step.trickle_interval_ms)) return false;
    if (!SendAll(io.fd, ChunkOf(std::string_view(&bytes[i], 1)))) return false;
  }
}

// Abrupt end after part of the body: FIN without the body's proper end.
bool CutShort(ConnIo& io) {
  ::shutdown(io.fd, SHUT_RDWR);
  return false;
}

bool SendStream(const FakeStep& step, const RequestFacts& facts, ConnIo& io) {
  std::vector<std::string> events = RenderEvents(step, facts);
  const std::string type = "text/event-stream";
  if (step.mode == FakeMode::kTrickle) {
    std::string all;
    for (const auto& e : events) all += e;
    return Trickle(step, type, all, io);
  }
  if (!SendAll(io.fd, Head(step, type, true, 0, io.keep_alive))) return false;
  for (size_t i = 0; i < events.size(); ++i) {
    if (step.mode == FakeMode::kCut && static_cast<int>(i) >= step.cut_after) return CutShort(io);
    int wait = i > 0 ? step.chunk_interval_ms : 0;
    if (i == kFirstContentEvent) wait += step.first_chunk_delay_ms;
    if (wait > 0 && !io.sleep(wait)) return false;
    if (i == kFirstContentEvent) io.first_token();
    if (!SendAll(io.fd, ChunkOf(events[i]))) return false;
  }
  if (step.mode == FakeMode::kCut) return CutShort(io);
  return SendAll(io.fd, "0\r\n\r\n") && io.keep_alive;
}

bool SendBody(const FakeStep& step, const RequestFacts& facts, ConnIo& io) {
  std::string type;
  std::string body = RenderBody(step, facts, &type);
  if (step.mode == FakeMode::kTrickle) return Trickle(step, type, body, io);
  std::string out = Head(step, type, false, body.size(), io.keep_alive);
  if (step.mode == FakeMode::kCut) {
    size_t keep = std::min(body.size(), static_cast<size_t>(std::max(0, step.cut_after)));
    SendAll(io.fd, out + body.substr(0, keep));
    return CutShort(io);
  }
  out += body;
  io.first_token();
  return SendAll(io.fd, out) && io.keep_alive;
}

}  // namespace

bool Respond(const FakeStep& step, const RequestFacts& facts, ConnIo& io) {
  if (step.delay_ms > 0 && !io.sleep(step.delay_ms)) return false;
  switch (step.mode) {
    case FakeMode::kReset:
      io.reset();
      return false;
    case FakeMode::kSilent:
      io.wait_silently();
      return false;
    default:
      break;
  }
  return step.stream ? SendStream(step, facts, io) : SendBody(step, facts, io);
}

}  // namespace detour::testing
