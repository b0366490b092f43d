#include "core/commit_gate.h"

#include "core/route_table.h"
#include "util/fast_json.h"

namespace detour {
namespace {

// Replaces choice 0's delta text (the chunk keeps every other field as the upstream sent it).
void SetText(StreamChunk& c, std::string text) {
  MutableChunkJson(c)["choices"][0]["delta"]["content"] = text;
  c.text = std::move(text);
}

// Asked of usage chunks and replays only. A chunk the fast path kept as text is read with
// simdjson (its thread's reused parser: no allocation) instead of being parsed into a DOM;
// the last "choices" counts, as in the DOM, should a key repeat.
bool HasChoices(StreamChunk& c) {
  simdjson::dom::object object;
  if (!c.raw.empty() && fastjson::Parse(c.raw).get(object) == simdjson::SUCCESS) {
    bool has = false;
    for (auto member : object) {
      if (member.key != "choices") continue;
      simdjson::dom::array choices;
      has = member.value.get(choices) == simdjson::SUCCESS && choices.begin() != choices.end();
    }
    return has;
  }
  const Json& data = ChunkJson(c);
  auto it = data.find("choices");
  return it != data.end() && it->is_array() && !it->empty();
}

}  // namespace

CommitGate::CommitGate(const ChatRequest& req, StreamConsumer& obs, Clock& clock, const CancelFlag* cancel)
    : req_(req), obs_(obs), clock_(clock), cancel_(cancel) {}

void CommitGate::BeginAttempt(const Deployment& d, const RouteInfo& so_far, const AttemptLimits& limits) {
  TimePoint now = clock_.Now();
  if (committed_) {
    // "within first_token_timeout plus the time the original took" (SPEC 3.5)
    replaying_ = true;
    replays_tried_++;
    matched_ = 0;
    diverged_ = false;  // each deployment gets its own chance to reproduce the text
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
  committed_at_ = clock_.Now();
  if (!obs_.OnCommit(route_)) return false;
  for (auto& p : pending_)
    if (!Emit(p)) return false;
  pending_.clear();
  return true;
}

bool CommitGate::Emit(StreamChunk& c) {
  size_t before = sent_.size();
  sent_ += c.text;
  if (replaying_ && matched_ == before) matched_ = sent_.size();  // a caught-up replay stays so
  if (!c.text_only) replayable_ = false;
  if (!req_.client_wants_usage) {
    if (c.usage && !HasChoices(c)) return true;  // the usage chunk
    EraseChunkMember(c, "usage");
  }
  return obs_.OnChunk(c);
}

// Holds the replayed text until it has reproduced sent_ exactly, then forwards the rest.
bool CommitGate::Replay(StreamChunk& c) {
  if (diverged_) return false;
  bool caught_up = matched_ == sent_.size();
  if (!HasChoices(c)) return caught_up ? Emit(c) : true;  // usage chunk
  if (caught_up) {
    if (!first_token_ && c.has_content) first_token_ = std::chrono::duration_cast<Millis>(clock_.Now() - started_);
    return Emit(c);
  }
  if (clock_.Now() > catch_up_by_ || !c.text_only) return Diverge();
  const std::string& text = c.text;
  size_t need = sent_.size() - matched_;
  size_t n = std::min(need, text.size());
  if (sent_.compare(matched_, n, text, 0, n) != 0) return Diverge();
  matched_ += n;
  if (text.size() <= need) {
    if (c.finish_reason && matched_ < sent_.size()) return Diverge();  // shorter answer
    if (!c.finish_reason) return true;  // swallowed: the client already has this text
    SetText(c, "");
    return Emit(c);
  }
  SetText(c, text.substr(n));  // only what the client has not seen
  return Emit(c);
}

}  // namespace detour
