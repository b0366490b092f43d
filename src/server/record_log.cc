#include "server/record_log.h"

#include <nlohmann/json.hpp>

namespace detour {

std::string RecordLine(const AttemptRecord& a, bool stream) {
  // provider_model is "<provider>/<model>"; provider names hold no '/', models may.
  size_t slash = a.provider_model.find('/');
  std::string provider = slash == std::string::npos ? a.provider_model : a.provider_model.substr(0, slash);
  std::string model = slash == std::string::npos ? "" : a.provider_model.substr(slash + 1);
  nlohmann::ordered_json j;
  j["time"] = IsoUtc(a.started);
  j["deployment"] = a.deployment;
  j["provider"] = provider;
  j["model"] = model;
  j["kind"] = a.ok ? std::string("ok") : a.hedge_lost ? std::string("hedge_lost") : std::string(KindName(a.kind));
  j["status"] = a.ok ? 200 : a.status;
  j["first_token_ms"] = a.first_token ? nlohmann::ordered_json(a.first_token->count()) : nlohmann::ordered_json();
  j["total_ms"] = a.elapsed.count();
  j["stream"] = stream;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

RecordLog::RecordLog(std::unique_ptr<JsonlFile> file) : file_(std::move(file)) {}

void RecordLog::OnRequestEnd(const RequestReport& r) {
  if (r.attempts.empty()) return;
  // One append per request keeps its attempts together and in order in the file.
  std::string lines;
  for (const auto& a : r.attempts) {
    if (a.skipped) continue;  // one line per upstream attempt; a pre-flight skip made none
    if (!lines.empty()) lines += '\n';
    lines += RecordLine(a, r.stream);
  }
  if (!lines.empty()) file_->Append(std::move(lines));
}

}  // namespace detour
