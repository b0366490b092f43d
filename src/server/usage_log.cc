#include "server/usage_log.h"

#include <nlohmann/json.hpp>

namespace detour {

std::string UsageLine(const RequestReport& r, bool cache_on) {
  nlohmann::ordered_json j;
  j["time"] = IsoUtc(r.started + std::chrono::duration_cast<WallTime::duration>(r.total));
  j["id"] = r.id;
  j["team"] = r.team;
  j["model_group"] = r.requested;
  j["deployment"] = r.deployment.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.deployment);
  j["status"] = r.status;
  j["stream"] = r.stream;
  j["attempts"] = r.attempts.size();
  j["prompt_tokens"] = r.usage.prompt_tokens;
  j["completion_tokens"] = r.usage.completion_tokens;
  j["cost_usd"] = r.cost_usd;
  j["ms"] = r.total.count();
  j["cache"] = cache_on ? nlohmann::ordered_json(r.cache_hit ? "hit" : "miss") : nlohmann::ordered_json();
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

UsageLog::UsageLog(std::unique_ptr<JsonlFile> file, std::function<bool()> cache_on)
    : file_(std::move(file)), cache_on_(std::move(cache_on)) {}

void UsageLog::OnRequestEnd(const RequestReport& r) {
  file_->Append(UsageLine(r, cache_on_ && cache_on_()));
}

}  // namespace detour
