// The client-facing side of one streamed request (SPEC 3.5, 8), across all its attempts:
// - pre-commit: chunks are held until the first content token, so a failed attempt
//   leaks nothing; the first token commits the stream (StreamConsumer::OnCommit);
// - usage: the usage chunk and `usage` fields reach the client only if it asked;
// - replay (stream_resume = "replay"): after a committed attempt failed, a later attempt's
//   text is held until it has reproduced exactly the text already sent, and only what
//   comes after it is forwarded. A replay that diverges, ends early, or cannot catch up in
//   time is reported by diverged().
// One per streamed request, used on the request's thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/router.h"
#include "providers/provider.h"

namespace detour {

struct Deployment;

class CommitGate {
 public:
  CommitGate(const ChatRequest& req, StreamConsumer& consumer, Clock& clock, const CancelFlag* cancel);

  // Per attempt: forgets chunks held from a failed attempt; after a commit, starts a replay.
  void BeginAttempt(const Deployment& d, const RouteInfo& so_far, const AttemptLimits& limits);
  // The provider's sink. false = stop this attempt (client gone, or replay diverged).
  bool OnChunk(StreamChunk& c);
  // The attempt's stream ended cleanly. false = client gone or replay never caught up.
  bool Finish();

  bool committed() const { return committed_; }
  bool diverged() const { return diverged_; }
  // Whether what the client received can be reproduced by a replay (text only).
  bool replayable() const { return replayable_; }
  std::optional<Millis> first_token() const { return first_token_; }  // of the current attempt
  // When the stream was committed (the first token went to the client), on the clock.
  std::optional<TimePoint> committed_at() const { return committed_at_; }
  int replays_tried() const { return replays_tried_; }

 private:
  bool Commit();
  bool Emit(StreamChunk& c);
  bool Replay(StreamChunk& c);
  bool Diverge() {
    diverged_ = true;
    return false;
  }

  const ChatRequest& req_;
  StreamConsumer& obs_;
  Clock& clock_;
  const CancelFlag* cancel_;
  std::vector<StreamChunk> pending_;
  bool committed_ = false;
  std::optional<TimePoint> committed_at_;
  int replays_tried_ = 0;
  TimePoint started_;
  RouteInfo route_;
  std::optional<Millis> first_token_;
  // Replay state.
  std::string sent_;          // choice-0 text the client has received
  bool replayable_ = true;    // false once something not reproducible was sent (tool calls, n > 1)
  bool replaying_ = false;
  size_t matched_ = 0;        // how much of sent_ the current attempt has reproduced
  bool diverged_ = false;
  TimePoint catch_up_by_;
};

}  // namespace detour
