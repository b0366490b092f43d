// Recorded traces (SPEC 7): a `[record]` JSONL file, one upstream attempt per line, read
// into Trace::recorded. Every bad line is reported with file:line and the key, like the
// config; blank lines are skipped.
#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/trace.h"
#include "model/error.h"
#include "util/suggest.h"

namespace detour {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2026-12-06T17:03:04.120Z" (fraction optional, 1-9 digits) -> ms since the epoch.
std::optional<int64_t> ParseUtc(const std::string& s) {
  int y, mo, d, h, mi, sec, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
      n != 19)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
      if (digits < 3) ms = ms * 10 + (s[i] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) ms *= 10;
  }
  if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
}

const std::vector<std::string>& Keys() {
  static const std::vector<std::string> keys = {"time",   "deployment",     "provider",
                                                "model",  "kind",           "status",
                                                "first_token_ms", "total_ms", "stream"};
  return keys;
}

bool KnownKind(const std::string& k) { return k == "ok" || KindFromName(k).has_value(); }

struct LineReader {
  const std::string& file;
  int line;
  std::vector<ConfigIssue>& issues;
  void Issue(const std::string& key, std::string message) {
    issues.push_back({file, line, key, std::move(message)});
  }
};

// One line -> attempt (at = absolute ms since the epoch for now); false after an issue.
bool ReadAttempt(const nlohmann::json& j, LineReader& r, RecordedAttempt* a, int64_t* when) {
  size_t before = r.issues.size();
  if (!j.is_object()) {
    r.Issue("", "expected one JSON object per line");
    return false;
  }
  for (const auto& [key, value] : j.items())
    if (std::find(Keys().begin(), Keys().end(), key) == Keys().end())
      r.Issue(key, "unknown key \"" + key + "\"" + DidYouMean(key, Keys()));
  auto str = [&](const char* key, bool required) -> std::string {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) r.Issue(key, std::string("missing key \"") + key + "\"");
      return "";
    }
    if (!it->is_string()) {
      r.Issue(key, "expected a string");
      return "";
    }
    return it->get<std::string>();
  };
  // A number in [0, max]: the bound also keeps the conversion defined (a huge double
  // does not fit an int64).
  auto num = [&](const char* key, bool required, double max) -> std::optional<int64_t> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) r.Issue(key, std::string("missing key \"") + key + "\"");
      return std::nullopt;
    }
    if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= max)) {
      r.Issue(key, "expected a number from 0 to " + std::to_string(static_cast<int64_t>(max)));
      return std::nullopt;
    }
    return static_cast<int64_t>(it->get<double>());
  };
  constexpr double kMaxStatus = 999;
  constexpr double kMaxMs = 1e10;  // about 115 days: longer than any attempt
  std::string time = str("time", true);
  if (!time.empty()) {
    if (auto t = ParseUtc(time)) *when = *t;
    else r.Issue("time", "invalid time \"" + time + "\" (use RFC 3339 UTC, e.g. \"2026-12-06T17:03:04.120Z\")");
  }
  a->deployment = str("deployment", true);
  a->provider = str("provider", false);
  a->model = str("model", false);
  a->kind = str("kind", true);
  if (!a->kind.empty() && !KnownKind(a->kind)) {
    std::vector<std::string> kinds = {"ok"};
    for (int k = 0; k < kErrorKindCount; ++k)
      kinds.emplace_back(KindName(static_cast<ErrorKind>(k)));
    r.Issue("kind", "unknown kind \"" + a->kind + "\"" + DidYouMean(a->kind, kinds));
  }
  if (auto s = num("status", false, kMaxStatus)) a->status = static_cast<int>(*s);
  if (auto f = num("first_token_ms", false, kMaxMs)) a->first_token = Millis(*f);
  if (auto t = num("total_ms", true, kMaxMs)) a->total = Millis(*t);
  if (auto it = j.find("stream"); it != j.end()) {
    if (it->is_boolean()) a->stream = it->get<bool>();
    else r.Issue("stream", "expected a boolean");
  }
  return r.issues.size() == before;
}

}  // namespace

Expected<Trace, ConfigErrors> LoadRecordedTraceText(const std::string& text, const std::string& file) {
  ConfigErrors errors;
  std::vector<std::pair<RecordedAttempt, int64_t>> rows;
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string row = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    LineReader r{file, line, errors.issues};
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(row);
    } catch (const nlohmann::json::exception&) {
      r.Issue("", "invalid JSON (a record file has one JSON object per line)");
      continue;
    }
    RecordedAttempt a;
    int64_t when = 0;
    if (ReadAttempt(j, r, &a, &when)) rows.emplace_back(std::move(a), when);
  }
  if (errors.issues.empty() && rows.empty())
    errors.issues.push_back({file, 0, "", "the record file has no attempts"});
  if (!errors.issues.empty()) return Fail(std::move(errors));

  int64_t first = rows.front().second;
  for (const auto& [a, when] : rows) first = std::min(first, when);
  Trace trace;
  trace.path = file;
  std::string base = file.substr(file.find_last_of('/') + 1);
  trace.name = base.substr(0, base.find('.'));
  trace.description = "recorded upstream attempts from " + base;
  int64_t end = 0;
  int streamed = 0;
  for (auto& [a, when] : rows) {
    a.at = Millis(when - first);
    end = std::max(end, when - first + a.total.count());
    streamed += a.stream;
    trace.recorded.push_back(std::move(a));
  }
  std::stable_sort(trace.recorded.begin(), trace.recorded.end(),
                   [](const RecordedAttempt& x, const RecordedAttempt& y) { return x.at < y.at; });
  trace.duration = Millis(std::max<int64_t>(end, 1000));
  // Traffic as recorded: attempts per second and their stream share (an attempt stands in
  // for a request: the record cannot tell retries from new requests).
  trace.traffic.rate = static_cast<double>(rows.size()) / (trace.duration.count() / 1000.0);
  trace.traffic.stream = static_cast<double>(streamed) / rows.size();
  return trace;
}

}  // namespace detour
