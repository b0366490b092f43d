#include "core/held_stream.h"

namespace detour {

HeldStream::HeldStream(CommitGate& gate, const Deployment& d, const RouteInfo& so_far,
                       const AttemptLimits& limits, RaceTicket* race, Clock& clock)
    : gate_(gate), dep_(d), so_far_(so_far), limits_(limits), race_(race), clock_(clock), started_(clock.Now()) {
  if (!race_) {
    live_ = true;
    gate_.BeginAttempt(dep_, so_far_, limits_);
  }
}

bool HeldStream::OnChunk(StreamChunk& c) {
  if (live_) return gate_.OnChunk(c);
  if (lost_) return false;
  held_.push_back(std::move(c));
  if (!held_.back().has_content) return true;
  first_token_ = std::chrono::duration_cast<Millis>(clock_.Now() - started_);
  return Open();
}

bool HeldStream::Claim() {
  if (live_) return true;
  if (lost_) return false;
  return Open();
}

bool HeldStream::Open() {
  if (!race_->ClaimWin()) {
    lost_ = true;
    held_.clear();
    return false;
  }
  live_ = true;
  gate_.BeginAttempt(dep_, so_far_, limits_);
  for (StreamChunk& h : held_)
    if (!gate_.OnChunk(h)) return false;
  held_.clear();
  return true;
}

}  // namespace detour
