#include "util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

namespace detour::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{false};
std::mutex g_mu;
std::vector<std::string>& Secrets() {
  static auto* s = new std::vector<std::string>();
  return *s;
}

constexpr std::string_view kNames[] = {"error", "warn", "info", "debug", "trace"};

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

bool ParseLevel(std::string_view name, Level* out) {
  for (int i = 0; i < 5; ++i)
    if (kNames[i] == name) {
      *out = static_cast<Level>(i);
      return true;
    }
  return false;
}
void SetLevel(Level level) { g_level = static_cast<int>(level); }
void SetJson(bool json) { g_json = json; }
bool Enabled(Level level) { return static_cast<int>(level) <= g_level.load(); }

void RegisterSecret(const std::string& secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(g_mu);
  Secrets().push_back(secret);
}

std::string Redact(std::string text) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& s : Secrets()) {
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos))
      text.replace(pos, s.size(), "[redacted]");
  }
  return text;
}

namespace {

void Emit(Level level, std::string_view message, bool bare_text) {
  std::string text = Redact(std::string(message));
  std::string line;
  if (g_json) {
    nlohmann::json j = {{"time", Timestamp()}, {"level", kNames[static_cast<int>(level)]}, {"msg", text}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else if (bare_text) {
    line = text + "\n";
  } else {
    line = Timestamp() + " " + std::string(kNames[static_cast<int>(level)]) + " " + text + "\n";
  }
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void Write(Level level, std::string_view message) {
  if (Enabled(level)) Emit(level, message, false);
}

void Print(std::string_view message) {
  Emit(Level::kInfo, message, true);
  std::fflush(stderr);
}

}  // namespace detour::log
