// Process-wide logging to stderr: levels (error warn info debug trace), text or JSON lines
// (`--log-format json`: every line one object {"time","level","msg"}).
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
// A line that is printed whatever the level (`detour: listening on ...`): as it is in
// text format, as {"time","level":"info","msg"} in JSON format. Redacted like the rest.
void Print(std::string_view message);
inline void Error(std::string_view m) { Write(Level::kError, m); }
inline void Warn(std::string_view m) { Write(Level::kWarn, m); }
inline void Info(std::string_view m) { Write(Level::kInfo, m); }
inline void Debug(std::string_view m) { Write(Level::kDebug, m); }

}  // namespace detour::log
