// `[telemetry] otlp_endpoint` (SPEC 9): a RequestObserver that turns every finished
// request into spans (server/otlp_spans.h) and exports them as OTLP/HTTP JSON, POST
// {endpoint}/v1/traces, in batches from its own thread over the project's HttpClient.
// The request path only builds the spans and queues them under a short mutex (never a
// wait); the exporter thread sends a batch when 256 spans are queued or a second after
// the first one was, whichever comes first. A failed export is logged at warn (once per
// run of failures) and its batch dropped; past 8192 queued spans new ones are dropped,
// so a dead collector costs memory that is bounded. Not registered at all when tracing
// is off, so it costs nothing then.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/request_observer.h"
#include "net/http_client.h"
#include "util/random.h"

namespace detour {

class OtlpExporter final : public RequestObserver {
 public:
  // `endpoint`: "http://host:port" (no trailing slash).
  OtlpExporter(std::string endpoint, std::string service_name,
               std::unique_ptr<net::HttpClient> http = net::MakeHttpClient());
  ~OtlpExporter() override;  // stops the thread; spans still queued are sent first

  void OnRequestEnd(const RequestReport& r) override;
  // Sends everything queued now and waits for it (bounded by the 5 s export deadline).
  // From an ordinary thread only (tests, shutdown).
  void Flush();

 private:
  void Run();
  bool SendBatch(std::vector<nlohmann::json> spans);

  std::string url_;
  std::string service_name_;
  std::unique_ptr<net::HttpClient> http_;
  SeedSource ids_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<nlohmann::json> queue_;
  uint64_t queued_ = 0, handled_ = 0;  // spans accepted, spans sent or dropped by the thread
  bool flush_ = false;
  bool stop_ = false;
  bool failing_ = false;
  uint64_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace detour
