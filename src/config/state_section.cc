// [state] (SPEC 9): backend = "memory" | "redis", url, password, prefix. The Redis URL is
// parsed here, once, so a mistake is reported with file:line like every other key and the
// store gets host, port, db and credentials ready to use. Messages never echo the URL: it
// may hold a password.
#include <algorithm>
#include <cctype>
#include <climits>

#include "config/sections.h"
#include "util/suggest.h"

namespace detour {
namespace {

const std::vector<std::string> kBackends = {"memory", "redis"};

// %XX in the userinfo (a password may need to escape '@' or ':').
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool ParseInt(std::string_view s, int min, int max, int* out) {
  if (s.empty() || s.size() > 9) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

// redis://[[user]:password@]host[:port][/db] or rediss://...; returns the problem, or
// nullopt when `out` was filled. IPv6 hosts in brackets.
std::optional<std::string> ParseRedisUrl(std::string_view url, StateConfig& out) {
  std::string_view rest;
  if (url.rfind("redis://", 0) == 0) {
    out.tls = false;
    rest = url.substr(8);
  } else if (url.rfind("rediss://", 0) == 0) {
    out.tls = true;
    rest = url.substr(9);
  } else {
    return "expected a redis:// or rediss:// URL, e.g. \"redis://127.0.0.1:6379/0\"";
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::string_view user = userinfo, pass;
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      pass = userinfo.substr(colon + 1);
    } else {
      pass = userinfo;  // redis://secret@host: the password alone, as redis-cli reads it
      user = {};
    }
    auto u = PercentDecode(user), p = PercentDecode(pass);
    if (!u || !p) return "bad %-escape in the URL's user or password";
    out.username = *u;
    out.password = *p;
  }
  std::string_view host = rest, port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in the URL's host";
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "expected ':port' after the URL's [host]";
      port = after.substr(1);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return "the URL has no host";
  out.host = std::string(host);
  out.port = 6379;
  if (!port.empty() && !ParseInt(port, 1, 65535, &out.port)) return "the URL's port must be 1..65535";
  out.db = 0;
  if (!path.empty() && !ParseInt(path, 0, 1000000, &out.db)) return "the URL's path must be a database number, e.g. /0";
  return std::nullopt;
}

void ReadState(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  // `password` beats a password in the URL whatever the key order (toml++ walks keys
  // sorted), so it is kept aside and applied last.
  struct Read {
    StateConfig s;
    std::optional<std::string> password;
  } read{c.state, std::nullopt};
  static const std::vector<Field<Read>> fields = {
      {"backend",
       [](TomlReader& r, const toml::node& n, const std::string& p, Read& out) {
         auto v = r.String(n, p);
         if (!v) return;
         if (std::find(kBackends.begin(), kBackends.end(), *v) == kBackends.end())
           r.Issue(TomlReader::Line(n), p, UnknownName("state backend", *v, kBackends));
         else
           out.s.backend = *v;
       }},
      {"url",
       [](TomlReader& r, const toml::node& n, const std::string& p, Read& out) {
         auto v = r.String(n, p);
         if (!v) return;
         if (auto problem = ParseRedisUrl(*v, out.s)) r.Issue(TomlReader::Line(n), p, *problem);
       }},
      {"password",
       [](TomlReader& r, const toml::node& n, const std::string& p, Read& out) {
         if (auto v = r.String(n, p)) out.password = *v;
       }},
      {"prefix",
       [](TomlReader& r, const toml::node& n, const std::string& p, Read& out) {
         auto v = r.String(n, p);
         if (!v) return;
         bool bad = std::any_of(v->begin(), v->end(), [](unsigned char ch) { return ch <= ' ' || ch == 127; });
         if (bad) r.Issue(TomlReader::Line(n), p, "prefix must not contain spaces or control characters");
         else out.s.prefix = *v;
       }},
  };
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, read);
  if (read.password) read.s.password = *read.password;
  c.state = std::move(read.s);
}

}  // namespace detour
