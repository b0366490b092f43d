#include "core/response_cache.h"

#include <cmath>
#include <cstdio>

namespace detour {
namespace {

// Fields that never change the answer: routing and delivery only.
constexpr std::string_view kNotInKey[] = {"model",     "stream",      "stream_options", "user",
                                          "fallbacks", "num_retries", "timeout"};

bool NotInKey(const std::string& field) {
  for (std::string_view k : kNotInKey)
    if (field == k) return true;
  return false;
}

// Integral floats become integers (2.0 -> 2), so a number is written one way whatever
// the client's JSON library printed. Exact up to 2^53, where doubles stop being exact.
Json Canonical(const Json& j) {
  if (j.is_object()) {
    Json out = Json::object();
    for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = Canonical(it.value());
    return out;
  }
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& v : j) out.push_back(Canonical(v));
    return out;
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) <= 9007199254740992.0)
      return static_cast<int64_t>(d);
  }
  return j;
}

// The shared entry's name: a hash of the key (the key itself is stored and compared).
std::string SharedName(const std::string& key) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

int64_t WallMs(const Clock& clock) {
  return std::chrono::duration_cast<Millis>(clock.WallNow().time_since_epoch()).count();
}

}  // namespace

ResponseCache::ResponseCache(Millis ttl, size_t max_entries, Clock& clock, StateStore* shared)
    : ttl_(ttl), max_entries_(max_entries), clock_(clock), shared_(shared) {}

std::shared_ptr<const CachedAnswer> ResponseCache::GetShared(const std::string& key) {
  auto text = shared_->SharedGet(SharedName(key));
  if (!text) return nullptr;
  Json j = Json::parse(*text, nullptr, false);
  if (!j.is_object() || j.value("key", "") != key || !j.contains("body")) return nullptr;
  int64_t left = j.value("expires_ms", int64_t{0}) - WallMs(clock_);
  if (left <= 0) return nullptr;
  CachedAnswer a;
  a.response.body = j["body"];
  a.response.usage.prompt_tokens = j.value("prompt_tokens", int64_t{0});
  a.response.usage.completion_tokens = j.value("completion_tokens", int64_t{0});
  a.response.model = j.value("model", "");
  a.deployment = j.value("deployment", "");
  a.group = j.value("group", "");
  auto answer = std::make_shared<const CachedAnswer>(std::move(a));
  Insert(key, answer, clock_.Now() + std::min(ttl_, Millis(left)));
  return answer;
}

std::string ResponseCache::KeyOf(const std::string& group, const Json& body) {
  Json kept = Json::object();
  if (body.is_object())
    for (auto it = body.begin(); it != body.end(); ++it)
      if (!NotInKey(it.key())) kept[it.key()] = Canonical(it.value());
  // The group first, then a separator no JSON text starts with.
  return group + '\n' + kept.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::shared_ptr<const CachedAnswer> ResponseCache::Get(const std::string& key) {
  TimePoint now = clock_.Now();
  std::unique_lock<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    if (!shared_ || max_entries_ == 0) return nullptr;
    lock.unlock();  // the shared read waits on the network
    return GetShared(key);
  }
  Lru::iterator entry = it->second;
  if (now >= entry->expires) {
    Erase(entry);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, entry);  // most recently used; iterators stay valid
  return entry->answer;
}

void ResponseCache::Put(const std::string& key, CachedAnswer answer) {
  if (max_entries_ == 0) return;
  auto stored = std::make_shared<const CachedAnswer>(std::move(answer));
  if (shared_) {
    Json j = {{"key", key},
              {"expires_ms", WallMs(clock_) + ttl_.count()},
              {"body", stored->response.body},
              {"prompt_tokens", stored->response.usage.prompt_tokens},
              {"completion_tokens", stored->response.usage.completion_tokens},
              {"model", stored->response.model},
              {"deployment", stored->deployment},
              {"group", stored->group}};
    shared_->SharedPut(SharedName(key), j.dump(-1, ' ', false, Json::error_handler_t::replace), ttl_);
  }
  Insert(key, std::move(stored), clock_.Now() + ttl_);
}

void ResponseCache::Insert(const std::string& key, std::shared_ptr<const CachedAnswer> answer,
                           TimePoint expires) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) Erase(it->second);
  while (lru_.size() >= max_entries_) Erase(std::prev(lru_.end()));
  lru_.push_front(Entry{key, std::move(answer), expires});
  index_.emplace(lru_.front().key, lru_.begin());
}

size_t ResponseCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

void ResponseCache::Erase(Lru::iterator it) {
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace detour
