#include "server/otlp_exporter.h"

#include "model/clock.h"
#include "server/otlp_spans.h"
#include "util/log.h"

namespace detour {
namespace {

constexpr size_t kBatch = 256;
constexpr size_t kMaxQueued = 8192;
constexpr auto kLinger = std::chrono::seconds(1);
constexpr auto kExportTimeout = std::chrono::seconds(5);

uint64_t NonZero(uint64_t v) { return v == 0 ? 1 : v; }  // an all-zero id is invalid in OTLP

}  // namespace

OtlpExporter::OtlpExporter(std::string endpoint, std::string service_name, std::unique_ptr<net::HttpClient> http)
    : url_(std::move(endpoint) + "/v1/traces"), service_name_(std::move(service_name)), http_(std::move(http)),
      ids_(RandomRootSeed()) {
  thread_ = std::thread([this] { Run(); });
}

OtlpExporter::~OtlpExporter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void OtlpExporter::OnRequestEnd(const RequestReport& r) {
  SpanIds ids;
  ids.trace_hi = NonZero(ids_.Next());
  ids.trace_lo = NonZero(ids_.Next());
  ids.request_span = NonZero(ids_.Next());
  for (size_t i = 0; i < r.attempts.size(); ++i) ids.attempt_spans.push_back(NonZero(ids_.Next()));
  auto spans = RequestSpans(r, ids);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() + spans.size() > kMaxQueued) {
      dropped_ += spans.size();
      return;
    }
    for (auto& s : spans) queue_.push_back(std::move(s));
    queued_ += spans.size();
    wake = queue_.size() >= kBatch || queue_.size() == spans.size();
  }
  if (wake) wake_.notify_one();
}

void OtlpExporter::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = queued_;
  if (handled_ >= target) return;
  flush_ = true;
  wake_.notify_one();
  idle_.wait(lock, [&] { return handled_ >= target; });
}

void OtlpExporter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    // Linger so one POST carries many requests' spans, unless a batch is full already.
    wake_.wait_for(lock, kLinger, [&] { return stop_ || flush_ || queue_.size() >= kBatch; });
    if (queue_.empty() && stop_) return;
    std::vector<nlohmann::json> batch;
    while (!queue_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (queue_.empty()) flush_ = false;
    uint64_t dropped = dropped_;
    dropped_ = 0;
    lock.unlock();
    size_t n = batch.size();
    if (dropped > 0) log::Warn("otlp: " + std::to_string(dropped) + " span(s) dropped: the export queue is full");
    SendBatch(std::move(batch));
    lock.lock();
    handled_ += n;
    idle_.notify_all();
  }
}

bool OtlpExporter::SendBatch(std::vector<nlohmann::json> spans) {
  net::Deadline deadline(SystemClock().ToSteady(SystemClock().Now() + kExportTimeout));
  net::Request req;
  req.method = "POST";
  req.url = url_;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = TracesBody(service_name_, std::move(spans)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  req.deadline = &deadline;
  auto r = http_->Send(req);
  std::string problem;
  if (!r.ok()) problem = r.error().message;
  else if (r->status < 200 || r->status >= 300) problem = "HTTP " + std::to_string(r->status);
  if (problem.empty()) {
    if (failing_) log::Info("otlp: exporting to " + url_ + " again");
    failing_ = false;
    return true;
  }
  if (!failing_) log::Warn("otlp: export to " + url_ + " failed (" + problem + "); dropping spans until it works");
  failing_ = true;
  return false;
}

}  // namespace detour
