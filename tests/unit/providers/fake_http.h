// An in-memory net::HttpClient for provider tests: records every request (URL, headers,
// body, deadline) and plays a script back. Send answers with `response` (or
// `send_failure`); Stream calls OnHeaders(status, headers) and then runs `steps`: data
// pieces, a stall that lasts until the request's Deadline passes (bounded at 5 s) and
// ends in Failure::kTimeout, like the real client's deadline-bounded waits, or a transport failure.
// Single-threaded use only.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"

namespace detour::testing {

struct FakeHttpStep {
  enum Kind { kData, kStall, kFail } kind = kData;
  std::string bytes;
  net::Failure failure = net::Failure::kReset;

  static FakeHttpStep Data(std::string b) { return {kData, std::move(b), {}}; }
  static FakeHttpStep Stall() { return {kStall, {}, net::Failure::kTimeout}; }
  static FakeHttpStep Fail(net::Failure f) { return {kFail, {}, f}; }
};

class FakeHttp final : public net::HttpClient {
 public:
  struct Seen {
    std::string method;
    std::string url;
    net::Headers headers;
    std::string body;
    bool tls_verify = true;
    TimePoint deadline;  // the Deadline's value when the call began
    const CancelFlag* cancel = nullptr;
  };

  // Script.
  net::Response response{200, {}, "{}"};
  std::optional<net::TransportError> send_failure;  // Send and Stream fail before headers
  int status = 200;
  net::Headers headers;
  std::vector<FakeHttpStep> steps;

  // Record.
  std::vector<Seen> seen;
  std::vector<TimePoint> deadlines;  // Deadline after each data step was delivered
  bool stopped_by_handler = false;

  Expected<net::Response, net::TransportError> Send(const net::Request& req) override {
    Record(req);
    if (send_failure) return Fail(*send_failure);
    return response;
  }

  Expected<int, net::TransportError> Stream(const net::Request& req,
                                            net::StreamHandler& handler) override {
    Record(req);
    if (send_failure) return Fail(*send_failure);
    if (!handler.OnHeaders(status, headers)) return Stopped();
    for (const FakeHttpStep& step : steps) {
      if (req.cancel && req.cancel->load()) return Fail(Err(net::Failure::kCanceled));
      if (step.kind == FakeHttpStep::kFail) return Fail(Err(step.failure));
      if (step.kind == FakeHttpStep::kStall) {
        WaitFor(*req.deadline);
        return Fail(Err(net::Failure::kTimeout));
      }
      bool keep = handler.OnData(step.bytes.data(), step.bytes.size());
      deadlines.push_back(req.deadline->Get());
      if (!keep) return Stopped();
    }
    return status;
  }

  const Seen& last() const { return seen.back(); }
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : last().headers)
      if (k == name) return v;
    return "<absent>";
  }

 private:
  void Record(const net::Request& req) {
    seen.push_back({req.method, req.url, req.headers, req.body, req.tls_verify,
                    req.deadline ? req.deadline->Get() : TimePoint{}, req.cancel});
  }
  static net::TransportError Err(net::Failure what) {
    return net::TransportError{what, "fake failure", true};
  }
  Expected<int, net::TransportError> Stopped() {
    stopped_by_handler = true;
    return Fail(Err(net::Failure::kCanceled));
  }
  static void WaitFor(const net::Deadline& deadline) {
    auto give_up = SteadyClock::now() + std::chrono::seconds(5);
    while (!deadline.Passed(SteadyClock::now()) && SteadyClock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
};

}  // namespace detour::testing
