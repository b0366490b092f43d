// Process-wide logging to stderr: levels (error warn info debug trace), text or JSON lines.
// Secrets never reach the log: every configured secret (API keys, client keys) is
// registered with RegisterSecret and replaced by "[redacted]" in every line.
// Thread-safe: lines are written whole under a mutex.
#pragma once

#include <string>
#include <string_view>

namespace detour::log {

enum class Level { kError = 0, kWarn, kInfo, kDebug, kTrace };

bool ParseLevel(std::string_view name, Level* out);
void SetLevel(Level level);
void SetJson(bool json);
bool Enabled(Level level);
void RegisterSecret(const std::string& secret);  // ignored when shorter than 4 chars
std::string Redact(std::string text);

void Write(Level level, std::string_view message);
inline void Error(std::string_view m) { Write(Level::kError, m); }
inline void Warn(std::string_view m) { Write(Level::kWarn, m); }
inline void Info(std::string_view m) { Write(Level::kInfo, m); }
inline void Debug(std::string_view m) { Write(Level::kDebug, m); }

}  // namespace detour::log
