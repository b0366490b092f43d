#include "core/session_affinity.h"

#include <cstdio>

namespace detour {
namespace {

// Text of a message's content: a string, or its text parts joined.
std::string ContentText(const Json& m) {
  auto it = m.find("content");
  if (it == m.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  std::string out;
  if (it->is_array())
    for (const Json& part : *it)
      if (part.is_object())
        if (auto t = part.find("text"); t != part.end() && t->is_string()) out += t->get<std::string>();
  return out;
}

// FNV-1a, 64 bits: stable across processes and builds, so instances sharing a state
// store agree on the key.
uint64_t Fnv1a(const std::string& s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string SessionKey(const ChatRequest& req) {
  if (!req.session.empty()) return "s:" + req.session;
  const Json& body = RequestJson(req);
  if (auto it = body.find("user"); it != body.end() && it->is_string() && !it->get<std::string>().empty())
    return "u:" + it->get<std::string>();
  std::string system, first_user;
  bool have_user = false, have_system = false;
  if (auto it = body.find("messages"); it != body.end() && it->is_array())
    for (const Json& m : *it) {
      if (!m.is_object()) continue;
      std::string role = m.value("role", "");
      if ((role == "system" || role == "developer") && !have_system) system = ContentText(m), have_system = true;
      if (role == "user" && !have_user) first_user = ContentText(m), have_user = true;
    }
  if (!have_system && !have_user) return "";
  char buf[24];
  uint64_t h = Fnv1a(first_user, Fnv1a(std::string(1, '\0'), Fnv1a(system)));
  std::snprintf(buf, sizeof buf, "h:%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::optional<std::string> SessionMap::Get(const std::string& session, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(session);
  if (it == index_.end()) return std::nullopt;
  if (now - it->second->used > ttl_) {
    lru_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  return it->second->deployment;
}

void SessionMap::Put(const std::string& session, const std::string& deployment, TimePoint now) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(session); it != index_.end()) {
    it->second->deployment = deployment;
    it->second->used = now;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front({session, deployment, now});
  index_[session] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().session);
    lru_.pop_back();
  }
}

size_t SessionMap::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace detour
