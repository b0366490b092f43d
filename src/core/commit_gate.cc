#include "core/commit_gate.h"

#include "core/route_table.h"

namespace detour {
namespace {

// Choice 0's delta, or nullptr (usage-only chunks have no choices).
Json* Delta(StreamChunk& c) {
  auto it = c.data.find("choices");
  if (it == c.data.end() || !it->is_array() || it->empty()) return nullptr;
  Json& choice = (*it)[0];
  auto d = choice.find("delta");
  return d != choice.end() && d->is_object() ? &*d : nullptr;
}

std::string TextOf(const Json& delta) {
  auto it = delta.find("content");
  return it != delta.end() && it->is_string() ? it->get<std::string>() : "";
}

bool HasNonText(const Json& delta) {
  for (const char* k : {"tool_calls", "function_call", "refusal"}) {
    auto it = delta.find(k);
    if (it != delta.end() && !it->is_null()) return true;
  }
  return false;
}

}  // namespace

CommitGate::CommitGate(const ChatRequest& req, StreamObserver& obs, Clock& clock, const CancelFlag* cancel)
    : req_(req), obs_(obs), clock_(clock), cancel_(cancel) {}

void CommitGate::BeginAttempt(const Deployment& d, const RouteInfo& so_far, const AttemptLimits& limits) {
  TimePoint now = clock_.Now();
  if (committed_) {
    // "within first_token_timeout plus the time the original took" (SPEC 3.5)
    replaying_ = true;
    matched_ = 0;
    diverged_ = !replayable_;
    catch_up_by_ = limits.first_token_deadline + (now - started_);
  }
  pending_.clear();
  started_ = now;
  route_ = so_far;
  route_.deployment = d.cfg.id;
  route_.group = d.cfg.model_name;
  first_token_.reset();
}

bool CommitGate::OnChunk(StreamChunk& c) {
  if (cancel_ && cancel_->load()) return false;
  if (replaying_) return Replay(c);
  if (!committed_) {
    if (!c.has_content) {
      pending_.push_back(std::move(c));
      return true;
    }
    first_token_ = std::chrono::duration_cast<Millis>(clock_.Now() - started_);
    if (!Commit()) return false;
  }
  return Emit(c);
}

bool CommitGate::Finish() {
  if (replaying_ && matched_ < sent_.size()) return Diverge();  // ended before catching up
  return committed_ || Commit();
}

bool CommitGate::Commit() {
  committed_ = true;
  if (!obs_.OnCommit(route_)) return false;
  for (auto& p : pending_)
    if (!Emit(p)) return false;
  pending_.clear();
  return true;
}

bool CommitGate::Emit(StreamChunk& c) {
  if (Json* delta = Delta(c)) {
    size_t before = sent_.size();
    sent_ += TextOf(*delta);
    if (replaying_ && matched_ == before) matched_ = sent_.size();  // a caught-up replay stays so
    if (HasNonText(*delta) || c.data["choices"].size() > 1 || c.data["choices"][0].value("index", 0) != 0)
      replayable_ = false;
  }
  if (!req_.client_wants_usage) {
    bool usage_only = c.usage && (!c.data.contains("choices") || c.data["choices"].empty());
    if (usage_only) return true;
    c.data.erase("usage");
  }
  return obs_.OnChunk(c);
}

// Holds the replayed text until it has reproduced sent_ exactly, then forwards the rest.
bool CommitGate::Replay(StreamChunk& c) {
  if (diverged_) return false;
  bool caught_up = matched_ == sent_.size();
  Json* delta = Delta(c);
  if (!delta) return caught_up ? Emit(c) : true;  // usage chunk
  if (caught_up) {
    if (!first_token_ && c.has_content) first_token_ = std::chrono::duration_cast<Millis>(clock_.Now() - started_);
    return Emit(c);
  }
  if (clock_.Now() > catch_up_by_ || HasNonText(*delta)) return Diverge();
  std::string text = TextOf(*delta);
  size_t need = sent_.size() - matched_;
  size_t n = std::min(need, text.size());
  if (sent_.compare(matched_, n, text, 0, n) != 0) return Diverge();
  matched_ += n;
  if (text.size() <= need) {
    if (c.finish_reason && matched_ < sent_.size()) return Diverge();  // shorter answer
    if (!c.finish_reason) return true;  // swallowed: the client already has this text
    (*delta)["content"] = "";
    return Emit(c);
  }
  (*delta)["content"] = text.substr(n);  // only what the client has not seen
  return Emit(c);
}

}  // namespace detour
