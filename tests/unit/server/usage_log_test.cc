// The usage log and the [record] file (server/usage_log.h, record_log.h): exact lines in
// the shared formats, appended and flushed through the writer thread (jsonl_file.h).
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/record_log.h"
#include "server/usage_log.h"
#include "unit/server/report_fixture.h"

namespace detour {
namespace {

// 2026-12-06T17:03:04.120Z
using report_fixture::At;

std::string TempPath(const std::string& name) {
  return "/tmp/detour-test-" + std::to_string(getpid()) + "-" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

RequestReport Answered() {
  AttemptRecord ok = report_fixture::Succeeded({2, "openai/gpt-4o", "openai/gpt-4o", "fast", 300, 512});
  ok.first_token = Millis(140);
  return report_fixture::Answered(
      "openai/gpt-4o", "fast", 812,
      {report_fixture::Failed({1, "azure/gpt-4o", "azure/gpt-4o", "fast", 0, 12}, ErrorKind::kRateLimit, 429), ok},
      0.00042);
}

TEST_CASE("usage line: the shared format, field by field and in order") {
  CHECK(IsoUtc(At(0)) == "2026-12-06T17:03:04.120Z");
  CHECK(UsageLine(Answered(), false) ==
        R"({"time":"2026-12-06T17:03:04.932Z","id":"req_00000000000000ab","team":"search","model_group":"fast",)"
        R"("deployment":"openai/gpt-4o","status":200,"stream":false,"attempts":2,"prompt_tokens":12,)"
        R"("completion_tokens":30,"cost_usd":0.00042,"ms":812,"cache":null})");
}

TEST_CASE("usage line: a failed request has no deployment and costs nothing; cache hit or miss when on") {
  RequestReport r;
  r.id = "req_1";
  r.started = At(0);
  r.requested = "fast";
  r.status = 502;
  r.stream = true;
  auto j = nlohmann::json::parse(UsageLine(r, true));
  CHECK(j["deployment"].is_null());
  CHECK(j["status"] == 502);
  CHECK(j["stream"] == true);
  CHECK(j["cost_usd"] == 0);
  CHECK(j["cache"] == "miss");
  r.cache_hit = true;
  CHECK(nlohmann::json::parse(UsageLine(r, true))["cache"] == "hit");
}

TEST_CASE("record line: one upstream attempt in RecordedAttempt's shape") {
  RequestReport r = Answered();
  CHECK(RecordLine(r.attempts[0], true) ==
        R"({"time":"2026-12-06T17:03:04.120Z","deployment":"azure/gpt-4o","provider":"azure","model":"gpt-4o",)"
        R"("kind":"rate_limit","status":429,"first_token_ms":null,"total_ms":12,"stream":true})");
  CHECK(RecordLine(r.attempts[1], true) ==
        R"({"time":"2026-12-06T17:03:04.420Z","deployment":"openai/gpt-4o","provider":"openai","model":"gpt-4o",)"
        R"("kind":"ok","status":200,"first_token_ms":140,"total_ms":512,"stream":true})");
}

TEST_CASE("usage and record logs append one flushed line per request / attempt, from many threads") {
  std::string usage_path = TempPath("usage.jsonl"), record_path = TempPath("record.jsonl");
  std::remove(usage_path.c_str());
  std::remove(record_path.c_str());
  {
    std::ofstream(usage_path) << "{\"earlier\":true}\n";  // appended to, never truncated
  }
  auto uf = JsonlFile::Open(usage_path);
  auto rf = JsonlFile::Open(record_path);
  REQUIRE(uf.ok());
  REQUIRE(rf.ok());
  UsageLog usage(std::move(uf.value()), [] { return true; });
  RecordLog record(std::move(rf.value()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        usage.OnRequestEnd(Answered());
        record.OnRequestEnd(Answered());
      }
    });
  for (auto& t : threads) t.join();
  usage.file().Flush();
  record.file().Flush();
  std::istringstream lines(ReadAll(usage_path));
  std::string line;
  REQUIRE(std::getline(lines, line));
  CHECK(line == "{\"earlier\":true}");
  int n = 0;
  while (std::getline(lines, line)) {
    CHECK(line == UsageLine(Answered(), true));
    ++n;
  }
  CHECK(n == 200);
  std::istringstream records(ReadAll(record_path));
  n = 0;
  while (std::getline(records, line)) {
    CHECK(nlohmann::json::parse(line)["deployment"] == (n % 2 == 0 ? "azure/gpt-4o" : "openai/gpt-4o"));
    ++n;
  }
  CHECK(n == 400);
  std::remove(usage_path.c_str());
  std::remove(record_path.c_str());
}

TEST_CASE("a log file that cannot be opened is an error naming the path") {
  auto f = JsonlFile::Open("/nonexistent-dir/usage.jsonl");
  REQUIRE_FALSE(f.ok());
  CHECK(f.error() == "cannot open /nonexistent-dir/usage.jsonl for appending: No such file or directory");
}

}  // namespace
}  // namespace detour
