// ParseUrl: the origin used as the pool key and the target sent upstream.
#include <doctest/doctest.h>

#include "net/url.h"

using detour::net::ParseUrl;

TEST_CASE("url: https with default port, path and query") {
  auto u = ParseUrl("https://api.openai.com/v1/chat/completions?x=y#frag");
  REQUIRE(u.ok());
  CHECK(u->scheme == "https");
  CHECK(u->host == "api.openai.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/v1/chat/completions?x=y");
  CHECK(u->Origin() == "https://api.openai.com:443");
}

TEST_CASE("url: http with port, no path; IPv6 literal") {
  auto u = ParseUrl("HTTP://127.0.0.1:8080");
  REQUIRE(u.ok());
  CHECK(u->scheme == "http");
  CHECK(u->port == 8080);
  CHECK(u->target == "/");
  auto v6 = ParseUrl("http://[::1]:9000/a?b");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9000);
  CHECK(v6->target == "/a?b");
  CHECK(v6->Origin() == "http://[::1]:9000");
  auto q = ParseUrl("http://h?key=1");
  REQUIRE(q.ok());
  CHECK(q->target == "/?key=1");
}

TEST_CASE("url: rejects relative, other schemes, bad ports, credentials") {
  CHECK_FALSE(ParseUrl("/v1/chat").ok());
  CHECK_FALSE(ParseUrl("ftp://h/x").ok());
  CHECK_FALSE(ParseUrl("http://h:0/").ok());
  CHECK_FALSE(ParseUrl("http://h:70000/").ok());
  CHECK_FALSE(ParseUrl("http://h:8a/").ok());
  CHECK_FALSE(ParseUrl("http:///x").ok());
  auto cred = ParseUrl("https://user:sk-secret@h/x");
  REQUIRE_FALSE(cred.ok());
  CHECK(cred.error().find("sk-secret") == std::string::npos);
}
