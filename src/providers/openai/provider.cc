// The controller: build the request, send it, classify or parse the answer. For streams a
// small net::StreamHandler routes bytes into the SSE parser and the StreamReader, keeps
// the body of a non-2xx answer for classification, and moves the deadline.
#include "providers/openai/provider.h"

#include <algorithm>
#include <chrono>

#include "model/clock.h"
#include "net/sse.h"
#include "providers/classify.h"
#include "providers/openai/stream_reader.h"
#include "providers/openai/wire.h"

namespace detour::openai {
namespace {

constexpr Millis kFinishGrace{1000};     // SPEC 8: wait at most 1 s after the finish reason
constexpr size_t kMaxErrorBody = 64 << 10;  // enough for any error envelope

bool Is2xx(int status) { return status >= 200 && status < 300; }

// hard_deadline left unset (epoch) means no request-level cap.
TimePoint Cap(TimePoint at, TimePoint hard) {
  return hard == TimePoint{} ? at : std::min(at, hard);
}

// Wall time for HTTP-date Retry-After values; the Clock interface is steady-only.
WallTime WallNow() { return std::chrono::system_clock::now(); }

class SseHandler final : public net::StreamHandler {
 public:
  SseHandler(StreamReader& reader, net::Deadline& deadline, const AttemptLimits& limits)
      : reader_(reader), deadline_(deadline), limits_(limits) {}

  bool OnHeaders(int status, const net::Headers& headers) override {
    status_ = status;
    headers_ = headers;
    return true;
  }

  bool OnData(const char* data, size_t size) override {
    if (!Is2xx(status_)) {  // keep the error body for classification, bounded
      error_body_.append(data, std::min(size, kMaxErrorBody - error_body_.size()));
      return error_body_.size() < kMaxErrorBody;
    }
    return sse_.Feed(data, size, [this](const net::SseEvent& e) { return Handle(e); });
  }

  // The body ended cleanly: an event left without its blank line still counts.
  void FlushAtEnd() {
    if (Is2xx(status_)) sse_.Finish([this](const net::SseEvent& e) { return Handle(e); });
  }

  int status() const { return status_; }
  const net::Headers& headers() const { return headers_; }
  const std::string& error_body() const { return error_body_; }

 private:
  bool Handle(const net::SseEvent& event) {
    bool keep = reader_.OnEvent(event);
    MoveDeadline();
    return keep;
  }

  void MoveDeadline() {
    TimePoint now = SystemClock().Now();
    if (reader_.finished() || reader_.done()) {
      if (!ending_) deadline_.Set(Cap(now + kFinishGrace, limits_.hard_deadline));
      ending_ = true;
    } else if (reader_.saw_content()) {
      deadline_.Set(Cap(now + limits_.idle_timeout, limits_.hard_deadline));
    }
  }

  StreamReader& reader_;
  net::Deadline& deadline_;
  const AttemptLimits& limits_;
  net::SseParser sse_;
  int status_ = 0;
  net::Headers headers_;
  std::string error_body_;
  bool ending_ = false;
};

bool Canceled(const AttemptLimits& limits) { return limits.cancel && limits.cancel->load(); }

Error StreamCut(int status) {
  return MakeError(ErrorKind::kConnection,
                   "stream cut: upstream ended the stream without a finish reason", status);
}

Error TransportFailure(const net::TransportError& failure, const StreamReader& reader,
                       const AttemptLimits& limits, int status) {
  if (reader.done()) return StreamCut(status);
  Error e = ClassifyTransport(failure);
  e.status = status;
  if (e.kind == ErrorKind::kTimeout) {
    e.message = reader.saw_content()
                    ? "stream stalled: no chunk within " +
                          std::to_string(limits.idle_timeout.count()) + " ms (idle timeout)"
                    : "no first token before the first-token deadline";
  }
  return e;
}

// What the stream amounts to once the exchange is over, in priority order.
Result<StreamEnd> Conclude(const Expected<int, net::TransportError>& result,
                           SseHandler& handler, const StreamReader& reader,
                           const AttemptLimits& limits, const std::string& model) {
  if (reader.canceled() || Canceled(limits))
    return Fail(MakeError(ErrorKind::kCanceled, "canceled: the caller went away"));
  if (reader.error()) return Fail(*reader.error());
  int status = handler.status();
  if (status != 0 && !Is2xx(status))
    return Fail(ClassifyHttpError(status, handler.headers(), handler.error_body(), WallNow()));
  if (!result) {
    // After the finish reason the answer is whole: a late stall or reset loses nothing.
    if (reader.finished()) return reader.End(model);
    return Fail(TransportFailure(result.error(), reader, limits, status));
  }
  handler.FlushAtEnd();
  if (reader.canceled())
    return Fail(MakeError(ErrorKind::kCanceled, "canceled: the caller went away"));
  if (reader.error()) return Fail(*reader.error());
  if (!reader.finished()) return Fail(StreamCut(status));
  return reader.End(model);
}

}  // namespace

net::Request FamilyProvider::MakeRequest(const ChatRequest& req, bool stream,
                                         net::Deadline* deadline,
                                         const CancelFlag* cancel) const {
  net::Request r;
  r.method = "POST";
  r.url = endpoint_.url;
  r.headers = endpoint_.headers;
  r.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  r.body = SerializeBody(BuildBody(req, endpoint_.model, stream));
  r.tls_verify = endpoint_.tls_verify;
  r.deadline = deadline;
  r.cancel = cancel;
  return r;
}

Error FamilyProvider::Redacted(Error error) const {
  RedactSecret(error, endpoint_.secret);
  return error;
}

Result<ChatResponse> FamilyProvider::Complete(const ChatRequest& req,
                                              const AttemptLimits& limits) {
  net::Deadline deadline(Cap(limits.deadline, limits.hard_deadline));
  net::Request request = MakeRequest(req, /*stream=*/false, &deadline, limits.cancel);
  auto response = http_.Send(request);
  if (!response) {
    Error e = ClassifyTransport(response.error());
    if (Canceled(limits)) e.kind = ErrorKind::kCanceled;
    return Fail(Redacted(std::move(e)));
  }
  if (!Is2xx(response->status))
    return Fail(Redacted(
        ClassifyHttpError(response->status, response->headers, response->body, WallNow())));
  auto parsed = ParseCompletion(response->body, endpoint_.model);
  if (!parsed) return Fail(Redacted(std::move(parsed).error()));
  return parsed;
}

Result<StreamEnd> FamilyProvider::Stream(const ChatRequest& req, const AttemptLimits& limits,
                                         const ChunkSink& sink) {
  net::Deadline deadline(Cap(limits.first_token_deadline, limits.hard_deadline));
  StreamReader reader(sink, ChoiceCount(req.body));
  SseHandler handler(reader, deadline, limits);
  net::Request request = MakeRequest(req, /*stream=*/true, &deadline, limits.cancel);
  auto result = http_.Stream(request, handler);
  auto end = Conclude(result, handler, reader, limits, endpoint_.model);
  if (!end) return Fail(Redacted(std::move(end).error()));
  return end;
}

std::unique_ptr<Provider> MakeOpenAIProvider(const DeploymentConfig& dep, net::HttpClient& http) {
  Endpoint ep;
  ep.url = JoinUrl(dep.api_base, "/chat/completions");
  ep.headers.emplace_back("Content-Type", "application/json");
  if (!dep.api_key.empty()) ep.headers.emplace_back("Authorization", "Bearer " + dep.api_key);
  for (const auto& [name, value] : dep.headers) SetHeader(ep.headers, name, value);
  ep.tls_verify = dep.tls_verify;
  ep.model = dep.model;
  ep.secret = dep.api_key;
  return std::make_unique<FamilyProvider>(std::move(ep), http);
}

}  // namespace detour::openai
