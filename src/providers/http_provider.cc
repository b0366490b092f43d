#include "providers/http_provider.h"

#include <algorithm>

#include "providers/classify.h"
#include "providers/endpoint.h"

namespace detour {
namespace {

constexpr Millis kFinishGrace{1000};        // SPEC 8: wait at most 1 s after the finish reason
constexpr size_t kMaxErrorBody = 64 << 10;  // enough for any error envelope

bool Is2xx(int status) { return status >= 200 && status < 300; }

// hard_deadline left unset (epoch) means no request-level cap.
TimePoint Cap(TimePoint at, TimePoint hard) {
  return hard == TimePoint{} ? at : std::min(at, hard);
}

bool Canceled(const AttemptLimits& limits) { return limits.cancel && limits.cancel->load(); }

Error CanceledError() { return MakeError(ErrorKind::kCanceled, "canceled: the caller went away"); }

Error StreamCut(int status) {
  return MakeError(ErrorKind::kConnection,
                   "stream cut: upstream ended the stream without a finish reason", status);
}

ChatRequest ProbeChat() {
  ChatRequest r;
  r.body = {{"messages", Json::array({{{"role", "user"}, {"content", "ping"}}})}, {"max_tokens", 1}};
  return r;
}

}  // namespace

// Routes a stream's bytes: SSE events into the translator (moving the deadline as the
// stream progresses), or, for a non-2xx answer, a bounded copy of the error body.
class HttpProvider::SseHandler final : public net::StreamHandler {
 public:
  SseHandler(StreamTranslator& t, net::Deadline& deadline, const AttemptLimits& limits, Clock& clock)
      : t_(t), deadline_(deadline), limits_(limits), clock_(clock) {}

  bool OnHeaders(int status, const net::Headers& headers) override {
    status_ = status;
    headers_ = headers;
    return true;
  }

  bool OnData(const char* data, size_t size) override {
    if (!Is2xx(status_)) {
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
    bool keep = t_.OnEvent(event);
    MoveDeadline();
    return keep;
  }

  void MoveDeadline() {
    TimePoint now = clock_.Now();
    if (t_.finished() || t_.done()) {
      if (!ending_) deadline_.Set(clock_.ToSteady(Cap(now + kFinishGrace, limits_.hard_deadline)));
      ending_ = true;
    } else if (t_.saw_content()) {
      deadline_.Set(clock_.ToSteady(Cap(now + limits_.idle_timeout, limits_.hard_deadline)));
    }
  }

  StreamTranslator& t_;
  net::Deadline& deadline_;
  const AttemptLimits& limits_;
  Clock& clock_;
  net::SseParser sse_;
  int status_ = 0;
  net::Headers headers_;
  std::string error_body_;
  bool ending_ = false;
};

namespace {

Error TransportFailure(const net::TransportError& failure, const StreamTranslator& t,
                       const AttemptLimits& limits, int status) {
  if (t.done()) return StreamCut(status);
  Error e = ClassifyTransport(failure);
  e.status = status;
  if (e.kind == ErrorKind::kTimeout) {
    e.message = t.saw_content()
                    ? "stream stalled: no chunk within " + std::to_string(limits.idle_timeout.count()) +
                          " ms (idle timeout)"
                    : "no first token before the first-token deadline";
  }
  return e;
}

}  // namespace

HttpProvider::HttpProvider(std::unique_ptr<Protocol> protocol, net::HttpClient& http, Clock& clock,
                           bool probe_models, std::shared_ptr<TokenSource> tokens)
    : protocol_(std::move(protocol)), http_(http), clock_(clock), probe_models_(probe_models),
      tokens_(std::move(tokens)) {}

Result<bool> HttpProvider::Prepare(net::Request& request, net::Deadline& deadline,
                                   const AttemptLimits& limits) {
  request.deadline = &deadline;
  request.cancel = limits.cancel;
  if (!tokens_) return true;
  auto token = tokens_->Token(limits);
  if (!token) return Fail(std::move(token).error());
  SetHeader(request.headers, "Authorization", "Bearer " + *token);
  return true;
}

Error HttpProvider::Redacted(Error error) const {
  RedactSecret(error, protocol_->secret());
  return error;
}

Result<net::Response> HttpProvider::Exchange(net::Request request, const AttemptLimits& limits) {
  net::Deadline deadline(clock_.ToSteady(Cap(limits.deadline, limits.hard_deadline)));
  if (auto ready = Prepare(request, deadline, limits); !ready) return Fail(Redacted(ready.error()));
  auto response = http_.Send(request);
  if (!response) {
    Error e = ClassifyTransport(response.error());
    if (Canceled(limits)) e.kind = ErrorKind::kCanceled;
    return Fail(Redacted(std::move(e)));
  }
  if (!Is2xx(response->status))
    return Fail(Redacted(protocol_->ClassifyHttp(response->status, response->headers, response->body,
                                                 clock_.WallNow())));
  return std::move(response.value());
}

Result<ChatResponse> HttpProvider::Complete(const ChatRequest& req, const AttemptLimits& limits) {
  auto response = Exchange(protocol_->BuildChat(req, /*stream=*/false), limits);
  if (!response) return Fail(std::move(response).error());
  auto parsed = protocol_->ParseChat(response->body);
  if (!parsed) return Fail(Redacted(std::move(parsed).error()));
  return parsed;
}

Result<EmbeddingResponse> HttpProvider::Embed(const EmbeddingRequest& req, const AttemptLimits& limits) {
  auto request = protocol_->BuildEmbed(req);
  if (!request) return Fail(MakeError(ErrorKind::kUnavailable, "this deployment's provider serves no embeddings"));
  auto response = Exchange(std::move(*request), limits);
  if (!response) return Fail(std::move(response).error());
  auto parsed = protocol_->ParseEmbed(response->body);
  if (!parsed) return Fail(Redacted(std::move(parsed).error()));
  return parsed;
}

Result<StreamEnd> HttpProvider::Stream(const ChatRequest& req, const AttemptLimits& limits,
                                       const ChunkSink& sink) {
  net::Deadline deadline(clock_.ToSteady(Cap(limits.first_token_deadline, limits.hard_deadline)));
  auto translator = protocol_->NewStream(req, sink);
  StreamTranslator& t = *translator;
  SseHandler handler(t, deadline, limits, clock_);
  net::Request request = protocol_->BuildChat(req, /*stream=*/true);
  if (auto ready = Prepare(request, deadline, limits); !ready) return Fail(Redacted(ready.error()));
  auto result = http_.Stream(request, handler);

  // What the stream amounts to once the exchange is over, in priority order.
  auto conclude = [&]() -> Result<StreamEnd> {
    if (t.canceled() || Canceled(limits)) return Fail(CanceledError());
    if (t.error()) return Fail(*t.error());
    int status = handler.status();
    if (status != 0 && !Is2xx(status))
      return Fail(protocol_->ClassifyHttp(status, handler.headers(), handler.error_body(), clock_.WallNow()));
    if (!result) {
      // After the finish reason the answer is whole: a late stall or reset loses nothing.
      if (t.finished()) return t.End(protocol_->model());
      return Fail(TransportFailure(result.error(), t, limits, status));
    }
    handler.FlushAtEnd();
    if (t.canceled()) return Fail(CanceledError());
    if (t.error()) return Fail(*t.error());
    if (!t.finished()) return Fail(StreamCut(status));
    return t.End(protocol_->model());
  };
  auto end = conclude();
  if (!end) return Fail(Redacted(std::move(end).error()));
  return end;
}

Result<ProbeReport> HttpProvider::Probe(const AttemptLimits& limits) {
  if (probe_models_) {
    if (auto models = protocol_->BuildModels()) return ProbeModels(*models, limits);
  }
  TimePoint started = clock_.Now();
  auto r = Complete(ProbeChat(), limits);
  if (!r) return Fail(std::move(r).error());
  return ProbeReport{200, std::chrono::duration_cast<Millis>(clock_.Now() - started), "chat"};
}

Result<ProbeReport> HttpProvider::ProbeModels(const net::Request& models, const AttemptLimits& limits) {
  TimePoint started = clock_.Now();
  auto response = Exchange(models, limits);
  if (!response) return Fail(std::move(response).error());
  return ProbeReport{response->status, std::chrono::duration_cast<Millis>(clock_.Now() - started), "models"};
}

}  // namespace detour
