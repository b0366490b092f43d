// Helpers shared by the net tests: deadlines, timing, a recording stream handler.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/sse.h"

namespace nettest {

using namespace std::chrono_literals;
using detour::SteadyClock;

inline detour::net::Request Post(const std::string& url, detour::net::Deadline* deadline,
                                 std::string body = R"({"model":"gpt-test"})") {
  detour::net::Request req;
  req.url = url;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = std::move(body);
  req.deadline = deadline;
  return req;
}

inline detour::TimePoint In(std::chrono::milliseconds ms) { return SteadyClock::now() + ms; }

inline long long MsSince(detour::TimePoint start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
      .count();
}

// Records headers, raw pieces and the SSE events they decode to.
class Recorder : public detour::net::StreamHandler {
 public:
  bool OnHeaders(int s, const detour::net::Headers& h) override {
    status = s;
    headers = h;
    return headers_result;
  }
  bool OnData(const char* data, size_t size) override {
    pieces.emplace_back(data, size);
    parser.Feed(data, size, [&](const detour::net::SseEvent& e) {
      events.push_back(e.data);
      return true;
    });
    if (on_data) on_data();
    return pieces.size() < stop_after_pieces;
  }
  int status = 0;
  detour::net::Headers headers;
  std::vector<std::string> pieces;
  std::vector<std::string> events;
  detour::net::SseParser parser;
  bool headers_result = true;
  size_t stop_after_pieces = static_cast<size_t>(-1);
  std::function<void()> on_data;
};

}  // namespace nettest
