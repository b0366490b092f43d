// util/log: levels, text and JSON lines, redaction of registered secrets, Print.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "unit/util/stderr_capture.h"
#include "util/log.h"

namespace detour {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The test runner logs at warn (tests/unit/test_main.cc); each test starts at info.
struct LogDefaults {
  LogDefaults() { log::SetLevel(log::Level::kInfo); }
  ~LogDefaults() {
    log::SetJson(false);
    log::SetLevel(log::Level::kWarn);
  }
};

TEST_CASE("log: text lines carry time and level; levels below the threshold are dropped") {
  LogDefaults restore;
  log::SetLevel(log::Level::kWarn);
  testutil::StderrCapture cap;
  log::Info("not shown");
  log::Warn("shown");
  log::Error("also shown");
  log::Print("detour: listening on http://127.0.0.1:1/v1");
  auto lines = Lines(cap.Take());
  REQUIRE(lines.size() == 3);
  CHECK(std::regex_match(lines[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn shown)")));
  CHECK(std::regex_match(lines[1], std::regex(R"(\S+ error also shown)")));
  CHECK(lines[2] == "detour: listening on http://127.0.0.1:1/v1");  // whatever the level
}

TEST_CASE("log: --log-format json makes every line one object, secrets redacted") {
  LogDefaults restore;
  log::SetJson(true);
  log::RegisterSecret("sk-log-test-secret-123");
  testutil::StderrCapture cap;
  log::Info("request id=req_1 key=sk-log-test-secret-123 quote=\" newline=\n end");
  log::Warn("attempt failed");
  log::Print("detour: listening");
  log::Debug("dropped at info");
  auto lines = Lines(cap.Take());
  REQUIRE(lines.size() == 3);
  auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["level"] == "info");
  CHECK(first["msg"] == "request id=req_1 key=[redacted] quote=\" newline=\n end");
  CHECK(std::regex_match(first["time"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(nlohmann::json::parse(lines[1])["level"] == "warn");
  CHECK(nlohmann::json::parse(lines[2])["msg"] == "detour: listening");
  for (const auto& l : lines) CHECK(l.find("sk-log-test-secret-123") == std::string::npos);
}

}  // namespace
}  // namespace detour
