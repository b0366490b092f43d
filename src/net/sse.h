// Server-Sent Events decoder (provider-protocols.md section 1). Survives reads split
// anywhere (mid-line, mid-UTF-8), accepts \n, \r\n and \r line ends, skips comments,
// joins multi-line data with \n, and flushes an event left without a final blank line
// when the stream ends. Not thread-safe: one parser per stream.
#pragma once

#include <functional>
#include <string>

namespace detour::net {

struct SseEvent {
  std::string event;  // empty when the stream sent no "event:" line
  std::string data;
};

class SseParser {
 public:
  using EventFn = std::function<bool(const SseEvent&)>;  // false stops parsing
  // Feeds bytes; calls on_event for each complete event. Returns false if on_event did.
  bool Feed(const char* data, size_t size, const EventFn& on_event);
  // End of stream: dispatches a pending event that lacked its blank line.
  bool Finish(const EventFn& on_event);

 private:
  bool ProcessLine(std::string_view line, const EventFn& on_event);
  bool Dispatch(const EventFn& on_event);
  std::string line_;
  bool last_was_cr_ = false;
  SseEvent pending_;
  bool has_data_ = false;
  bool has_field_ = false;
};

}  // namespace detour::net
