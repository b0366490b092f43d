// The request log (server/request_log.h): one info line per request with id, group,
// status, deployment, attempts, ms, tokens, cost, cache=hit and team; one warn line per
// failed attempt.
#include <doctest/doctest.h>

#include <sstream>

#include "server/request_log.h"
#include "unit/util/stderr_capture.h"
#include "util/log.h"

namespace detour {
namespace {

std::string Message(const std::string& line) {  // without "<time> <level> "
  size_t a = line.find(' ');
  return line.substr(line.find(' ', a + 1) + 1);
}

std::vector<std::string> Messages(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(Message(l));
  return out;
}

TEST_CASE("request log: request and failed-attempt lines") {
  RequestLog log;
  AttemptRecord failed;
  failed.group = "fast";
  failed.deployment = "prim";
  failed.kind = ErrorKind::kRateLimit;
  failed.status = 429;
  failed.elapsed = Millis(12);
  failed.falls_back = true;
  AttemptRecord answered;
  answered.ok = true;
  RequestReport r;
  r.id = "req_00000000000000ab";
  r.requested = "fast";
  r.ok = true;
  r.deployment = "back";
  r.attempts = {failed, answered};
  r.total = Millis(812);
  r.usage = {12, 30};
  r.cost_usd = 0.00042;
  r.team = "search";
  RequestReport hit;
  hit.id = "req_1";
  hit.requested = "fast";
  hit.stream = true;
  hit.ok = true;
  hit.cache_hit = true;
  hit.deployment = "back";
  RequestReport down;
  down.id = "req_2";
  down.requested = "fast";
  down.status = 504;
  down.error = MakeError(ErrorKind::kTimeout, "slow");

  log::SetLevel(log::Level::kInfo);
  testutil::StderrCapture cap;
  log.OnAttempt(failed);
  log.OnAttempt(r.attempts[1]);  // ok: no line
  log.OnRequestEnd(r);
  log.OnRequestEnd(hit);
  log.OnRequestEnd(down);
  auto lines = Messages(cap.Take());
  log::SetLevel(log::Level::kWarn);  // the runner's level
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "attempt failed group=fast deployment=prim kind=rate_limit status=429 ms=12 next=fallback");
  CHECK(lines[1] == "request id=req_00000000000000ab group=fast status=200 deployment=back attempts=2 ms=812 "
                    "tokens=42 cost_usd=0.000420 team=search");
  CHECK(lines[2] == "stream id=req_1 group=fast status=200 deployment=back attempts=0 ms=0 tokens=0 "
                    "cost_usd=0.000000 cache=hit team=default");
  CHECK(lines[3] == "request id=req_2 group=fast status=504 deployment=- attempts=0 ms=0 error=timeout team=default");
}

}  // namespace
}  // namespace detour
