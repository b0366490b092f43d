// The Simulator: one net::HttpServer whose fallback handler reads the request
// (sim/request.h), decides its fate (sim/schedule.h) and plays it out with the provider's
// bytes (sim/wire.h), waiting every latency through the injected Clock (on the
// connection's fiber, so a wait parks the fiber, never a scheduler thread).
#include "sim/simulator.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <ctime>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "net/http_server.h"
#include "sim/request.h"
#include "sim/schedule.h"
#include "sim/wire.h"
#include "util/fiber.h"

namespace detour::sim {
namespace {

using net::ServerRequest;
using net::ServerResponse;

const char* kWords[] = {"Simulated", " answer", " from", " the", " detour", " simulator", ":",
                        " every", " token", " arrives", " on", " time", ",", " mostly", "."};

std::string Rfc3339(WallTime t) {
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class SimulatorImpl : public Simulator {
 public:
  SimulatorImpl(const Trace& trace, SimOptions o)
      : trace_(trace), opts_(std::move(o)), clock_(opts_.clock ? opts_.clock : &SystemClock()) {
    start_ = opts_.start.value_or(clock_->Now());
  }
  ~SimulatorImpl() override { Stop(); }

  Expected<bool, std::string> Listen();
  std::string Root() const override { return root_; }
  std::string BaseUrl(const std::string& protocol, const std::string& deployment) const override {
    std::string base = root_;
    if (!deployment.empty()) base += "/d/" + PercentEncode(deployment);
    if (protocol == "openai" || protocol == "openai-compatible") return base + "/v1";
    return base + "/" + protocol;
  }
  SimCounters Counters() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return counters_;
  }
  void Stop() override;

 private:
  void Handle(const ServerRequest& req, ServerResponse& res);
  void Chat(const SimRequest& r, const Decision& d, uint64_t ordinal, ServerResponse& res);
  void Embeddings(const SimRequest& r, ServerResponse& res);
  void Models(const SimRequest& r, ServerResponse& res);
  void ErrorAnswer(const SimRequest& r, const Answer& a, const TraceFault& f, ServerResponse& res);
  void Stream(const SimRequest& r, const Answer& a, const Decision& d, ServerResponse& res);
  // A model stops when it has answered (the trace's completion_tokens) or at max_tokens,
  // whichever is first: Anthropic requests always carry max_tokens (detour defaults it to
  // 4096), and no real answer fills it.
  int AnswerLength(const SimRequest& r) const {
    int n = trace_.traffic.completion_tokens;
    return r.max_tokens > 0 ? std::min(n, r.max_tokens) : n;
  }
  // Waits `ms` of trace time; false when the simulator stops meanwhile.
  bool WaitUntil(TimePoint t) { return clock_->SleepUntil(t, &stop_); }
  TimePoint After(TimePoint base, double ms) const {
    return base + std::chrono::duration_cast<SteadyClock::duration>(
                      std::chrono::duration<double, std::milli>(ms));
  }

  Trace trace_;
  SimOptions opts_;
  Clock* clock_;
  TimePoint start_;
  std::string root_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread runner_;
  CancelFlag stop_{false};
  std::atomic<bool> stopped_{false};
  mutable std::mutex mu_;
  SimCounters counters_;
  std::map<std::string, uint64_t> ordinals_;
  std::unordered_map<uint64_t, Millis> first_seen_;  // tagged arrival -> its first attempt's time
};

Expected<bool, std::string> SimulatorImpl::Listen() {
  std::string host = opts_.listen, port = "0";
  size_t colon = opts_.listen.rfind(':');
  if (colon != std::string::npos) {
    host = opts_.listen.substr(0, colon);
    port = opts_.listen.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (host != "::1" && host.rfind("127.", 0) != 0)
    return Fail("the simulator listens on loopback only (got \"" + opts_.listen + "\")");
  net::ServerOptions so;
  so.host = host;
  try {
    so.port = std::stoi(port);
  } catch (const std::exception&) {
    return Fail("invalid port in \"" + opts_.listen + "\"");
  }
  so.max_body = 32u << 20;
  so.fallback = [this](const ServerRequest& req, ServerResponse& res) { Handle(req, res); };
  server_ = net::MakeHttpServer(std::move(so));
  auto bound = server_->Bind();
  if (!bound) return Fail(bound.error());
  root_ = "http://" + (host == "::1" ? "[::1]" : host) + ":" + std::to_string(*bound);
  runner_ = std::thread([this] { server_->Run(); });
  return true;
}

void SimulatorImpl::Stop() {
  if (stopped_.exchange(true) || !server_) return;
  stop_.store(true);
  server_->Shutdown();
  if (runner_.joinable()) runner_.join();
  // Handlers see stop_ within a clock slice (50 ms); hangs within 100 ms. The server (and
  // this object) must outlive every connection fiber.
  auto until = fiber::Clock::now() + std::chrono::seconds(10);
  while ((server_->Connections() > 0 || server_->InFlight() > 0) && fiber::Clock::now() < until)
    fiber::SleepUntil(fiber::Clock::now() + std::chrono::milliseconds(5));
}

void SimulatorImpl::Handle(const ServerRequest& req, ServerResponse& res) {
  SimRequest r = ParseRequest(req.method, req.path, req.query, req.body);
  if (!r.error.empty()) {
    auto e = MakeError(r.protocol, ErrorCase::kHttp, r.error_status, -1, "", "sim");
    res.status = e.status;
    res.headers = e.headers;
    auto body = nlohmann::json::parse(e.body);
    body["error"]["message"] = r.error;
    res.body = body.dump();
    return;
  }
  if (r.what == SimRequest::What::kModels) return Models(r, res);
  RequestFacts facts;
  facts.protocol = ProtocolName(r.protocol);
  facts.deployment = r.deployment;
  facts.model = r.model;
  facts.at = std::chrono::duration_cast<Millis>(clock_->Now() - start_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.arrival) {  // first attempt at its scheduled time, later ones as far after it
      Millis first = first_seen_.try_emplace(r.arrival->index, facts.at).first->second;
      facts.at = r.arrival->at + (facts.at - first);
    }
    facts.ordinal = ordinals_[Key(facts)]++;
    counters_.requests[r.deployment.empty() ? facts.protocol : r.deployment]++;
  }
  int n = AnswerLength(r);
  std::optional<Decision> replayed;
  if (!trace_.recorded.empty()) replayed = Replay(trace_, facts, n);
  Decision d = replayed ? *replayed : Decide(trace_, opts_.seed, facts);
  if (!replayed && !trace_.recorded.empty()) d.fault.reset();  // nothing recorded: healthy
  if (d.fault) {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.faults++;
  }
  if (r.what == SimRequest::What::kEmbeddings) {
    if (d.fault && (d.fault->kind == FaultKind::kHttpError || d.fault->kind == FaultKind::kRateLimit ||
                    d.fault->kind == FaultKind::kReset || d.fault->kind == FaultKind::kHang)) {
      return Chat(r, d, facts.ordinal, res);  // the same error paths
    }
    if (!WaitUntil(After(clock_->Now(), d.first_token.count() / 4.0))) return;
    return Embeddings(r, res);
  }
  Chat(r, d, facts.ordinal, res);
}

void SimulatorImpl::Chat(const SimRequest& r, const Decision& d, uint64_t ordinal, ServerResponse& res) {
  Answer a;
  a.id = "sim" + std::to_string(ordinal) + (r.deployment.empty() ? "" : "-" + PercentEncode(r.deployment));
  a.model = r.model;
  a.created = std::chrono::duration_cast<std::chrono::seconds>(clock_->WallNow().time_since_epoch()).count();
  a.prompt_tokens = r.prompt_tokens;
  a.include_usage = r.include_usage;
  int n = AnswerLength(r);
  for (int i = 0; i < n; ++i) a.tokens.push_back(kWords[i % (sizeof kWords / sizeof *kWords)]);

  FaultKind kind = d.fault ? d.fault->kind : FaultKind::kSlow;  // kSlow: latency already applied
  if (d.fault && kind == FaultKind::kReset) {
    res.abort = ServerResponse::Abort::kReset;
    return;
  }
  if (d.fault && kind == FaultKind::kHang) {
    res.abort = ServerResponse::Abort::kHang;
    return;
  }
  if (d.fault && IsErrorAnswer(kind)) {
    if (!WaitUntil(After(clock_->Now(), static_cast<double>(d.first_token.count())))) {
      res.abort = ServerResponse::Abort::kReset;
      return;
    }
    return ErrorAnswer(r, a, *d.fault, res);
  }
  if (r.stream) return Stream(r, a, d, res);

  // Buffered: the whole answer after first token + the rest of the tokens (+ a stall).
  double total = d.first_token.count() + d.per_token_ms * std::max(0, n - 1);
  if (d.fault && kind == FaultKind::kStall) total += d.fault->stall_for.count();
  if (!WaitUntil(After(clock_->Now(), total))) {
    res.abort = ServerResponse::Abort::kReset;
    return;
  }
  std::string body = CompleteBody(r.protocol, a);
  if (d.fault && kind == FaultKind::kMalformedChunk) body.resize(body.size() / 2);
  if (d.fault && kind == FaultKind::kStreamCut) {
    // Half the body, then the connection dies (a truncated chunked response).
    res.stream = [half = body.substr(0, body.size() / 2)](net::BodyWriter& w) {
      w.Write(half);
      w.Cut(false);
    };
    return;
  }
  res.body = std::move(body);
  res.headers.emplace_back(r.protocol == Protocol::kAnthropic ? "request-id" : "x-request-id",
                           "req_" + a.id);
}

void SimulatorImpl::ErrorAnswer(const SimRequest& r, const Answer& a, const TraceFault& f,
                                ServerResponse& res) {
  if (f.kind == FaultKind::kContentPolicy && r.protocol == Protocol::kGemini) {
    res.body = GeminiBlockedBody(a);  // Gemini blocks a prompt with a 200
    return;
  }
  ErrorCase c = f.kind == FaultKind::kRateLimit      ? ErrorCase::kRateLimit
                : f.kind == FaultKind::kContextWindow ? ErrorCase::kContextWindow
                : f.kind == FaultKind::kContentPolicy ? ErrorCase::kContentPolicy
                                                      : ErrorCase::kHttp;
  long retry_ms = f.retry_after ? static_cast<long>(f.retry_after->count())
                  : c == ErrorCase::kRateLimit ? 1000L : -1L;
  std::string reset_at = Rfc3339(clock_->WallNow() + Millis(std::max(retry_ms, 0L)));
  ErrorReply e = MakeError(r.protocol, c, f.status ? f.status : 500, retry_ms, reset_at, a.id);
  res.status = e.status;
  res.headers = std::move(e.headers);
  res.body = std::move(e.body);
}

void SimulatorImpl::Stream(const SimRequest& r, const Answer& a, const Decision& d, ServerResponse& res) {
  res.content_type = "text/event-stream";
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back(r.protocol == Protocol::kAnthropic ? "request-id" : "x-request-id",
                           "req_" + a.id);
  StreamEvents ev = StreamBody(r.protocol, a);
  std::optional<TraceFault> fault = d.fault;
  std::string malformed = MalformedEvent(r.protocol, a);
  res.stream = [this, ev = std::move(ev), fault, d, malformed](net::BodyWriter& w) {
    auto kind = [&](FaultKind k) { return fault && fault->kind == k; };
    for (const auto& e : ev.head)
      if (!w.Write(e)) return;
    TimePoint begin = clock_->Now();
    SteadyClock::duration extra{0};  // stall time added to every later token
    size_t n = ev.tokens.size();
    size_t after = fault ? static_cast<size_t>(std::max(0, fault->after_tokens)) : 0;
    size_t bad_at = std::max<size_t>(1, n / 2);
    std::string batch;  // events due within min_write_gap of batch_due
    TimePoint batch_due = begin;
    auto flush = [&] {
      bool ok = batch.empty() || w.Write(batch);
      batch.clear();
      return ok;
    };
    for (size_t i = 0; i < n; ++i) {
      if (kind(FaultKind::kStreamCut) && i == after) {
        if (flush()) w.Cut(false);
        return;
      }
      if (kind(FaultKind::kStall) && i == after) extra += fault->stall_for;
      TimePoint due = After(begin, d.first_token.count() + d.per_token_ms * i) + extra;
      if (!batch.empty() && due - batch_due >= opts_.min_write_gap && !flush()) return;
      if (batch.empty()) {
        if (!WaitUntil(due)) return w.Cut(false);
        batch_due = due;
      }
      if (kind(FaultKind::kMalformedChunk) && i == bad_at) batch += malformed;
      batch += ev.tokens[i];
    }
    if (!flush()) return;
    if (kind(FaultKind::kStreamCut)) return w.Cut(false);  // after_tokens >= the answer
    for (const auto& e : ev.tail)
      if (!w.Write(e)) return;
    if (!kind(FaultKind::kNoDone)) w.Write(ev.terminator);
  };
}

void SimulatorImpl::Embeddings(const SimRequest& r, ServerResponse& res) {
  nlohmann::json data = nlohmann::json::array();
  for (int i = 0; i < r.inputs; ++i) {
    nlohmann::json v = nlohmann::json::array();
    for (int k = 0; k < 8; ++k) v.push_back(std::sin(1.0 + i + k) / 3);
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", v}});
  }
  nlohmann::json j = {{"object", "list"}, {"data", data}, {"model", r.model},
                      {"usage", {{"prompt_tokens", r.prompt_tokens}, {"total_tokens", r.prompt_tokens}}}};
  res.body = j.dump();
}

void SimulatorImpl::Models(const SimRequest& r, ServerResponse& res) {
  std::vector<std::string> names = {"gpt-4o", "gpt-4o-mini"};
  for (const auto& f : trace_.faults)
    if (f.target.kind == FaultTarget::Kind::kModel &&
        std::find(names.begin(), names.end(), f.target.name) == names.end())
      names.push_back(f.target.name);
  nlohmann::json list = nlohmann::json::array();
  if (r.protocol == Protocol::kGemini) {
    for (const auto& n : names) list.push_back({{"name", "models/" + n}, {"displayName", n}});
    res.body = nlohmann::json{{"models", list}}.dump();
    return;
  }
  for (const auto& n : names)
    list.push_back({{"id", n}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "detour-sim"}});
  res.body = nlohmann::json{{"object", "list"}, {"data", list}}.dump();
}

}  // namespace

Expected<std::unique_ptr<Simulator>, std::string> Simulator::Start(const Trace& trace,
                                                                   SimOptions options) {
  auto sim = std::make_unique<SimulatorImpl>(trace, std::move(options));
  auto ok = sim->Listen();
  if (!ok) return Fail(ok.error());
  return std::unique_ptr<Simulator>(std::move(sim));
}

}  // namespace detour::sim
