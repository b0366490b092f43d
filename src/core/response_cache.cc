#include "core/response_cache.h"

#include <cmath>

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

}  // namespace

ResponseCache::ResponseCache(Millis ttl, size_t max_entries, Clock& clock)
    : ttl_(ttl), max_entries_(max_entries), clock_(clock) {}

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
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
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
  auto shared = std::make_shared<const CachedAnswer>(std::move(answer));
  TimePoint expires = clock_.Now() + ttl_;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) Erase(it->second);
  while (lru_.size() >= max_entries_) Erase(std::prev(lru_.end()));
  lru_.push_front(Entry{key, std::move(shared), expires});
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
