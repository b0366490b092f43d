// Each lint rule of `detour check`: a config that triggers it and one that does not.
#include <doctest/doctest.h>

#include <algorithm>

#include "check/explain.h"
#include "check/lint.h"

namespace detour::check {
namespace {

EnvLookup Env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "SET_KEY") return std::string("sk-set-0001");
    return std::nullopt;
  };
}

// A healthy shape: primary (openai) falls back to backup (anthropic), both priced,
// router.timeout set. Pieces can be replaced to trigger one rule at a time.
struct Toml {
  std::string router = "timeout = \"20s\"\n";
  std::string fallbacks = "primary = [\"backup\"]\n";
  std::string primary = "provider = \"openai\"\nmodel = \"gpt-4o\"\napi_key = \"${SET_KEY}\"\n"
                        "price = { input = 2.5, output = 10 }\n";
  std::string backup = "provider = \"anthropic\"\nmodel = \"claude\"\napi_key = \"${SET_KEY}\"\n"
                       "price = { input = 3, output = 15 }\n";
  std::string Text() const {
    return "[router]\n" + router + "[router.fallbacks]\n" + fallbacks +
           "[[deployments]]\nmodel_name = \"primary\"\n" + primary +
           "[[deployments]]\nmodel_name = \"backup\"\n" + backup;
  }
};

std::vector<Finding> LintOf(const Toml& t, std::vector<std::string> groups = {}) {
  auto loaded = LoadConfigTextForLint(t.Text(), "t.toml", Env());
  REQUIRE(loaded.ok());
  return Lint(*loaded, groups);
}

const Finding* Find(const std::vector<Finding>& fs, const std::string& rule) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.rule == rule; });
  return it == fs.end() ? nullptr : &*it;
}

TEST_CASE("the healthy shape has no findings") {
  auto fs = LintOf(Toml{});
  for (const auto& f : fs) INFO(f.rule << " " << f.message);
  CHECK(fs.empty());
}

TEST_CASE("unknown-key: error with file:line, key path and a did-you-mean") {
  Toml t;
  t.primary += "modle = \"x\"\n";
  auto fs = LintOf(t);
  const Finding* f = Find(fs, "unknown-key");
  REQUIRE(f);
  CHECK(f->severity == Severity::kError);
  CHECK(f->file == "t.toml");
  CHECK(f->line == 11);
  CHECK(f->key_path == "deployments[0].modle");
  CHECK(f->message.find("did you mean \"model\"") != std::string::npos);
  CHECK_FALSE(f->fix.empty());
  CHECK_FALSE(Find(LintOf(Toml{}), "unknown-key"));
}

TEST_CASE("invalid-value: any other validation issue is an error") {
  Toml t;
  t.router = "timeout = \"soon\"\n";
  auto fs_ = LintOf(t);
  const Finding* f = Find(fs_, "invalid-value");
  REQUIRE(f);
  CHECK(f->key_path == "router.timeout");
  CHECK(f->line == 2);
}

TEST_CASE("missing-env: a key variable that is unset, never the key itself") {
  Toml t;
  t.backup = "provider = \"anthropic\"\nmodel = \"claude\"\napi_key = \"${NOT_SET_KEY}\"\n"
             "price = { input = 3, output = 15 }\n";
  auto fs = LintOf(t);
  const Finding* f = Find(fs, "missing-env");
  REQUIRE(f);
  CHECK(f->severity == Severity::kError);
  CHECK(f->key_path == "deployments[1].api_key");
  CHECK(f->message.find("NOT_SET_KEY") != std::string::npos);
  for (const auto& x : fs) CHECK(x.message.find("sk-set-0001") == std::string::npos);
  CHECK_FALSE(Find(LintOf(Toml{}), "missing-env"));
}

TEST_CASE("fallback-cycle and unknown-fallback are errors at the list entry") {
  Toml cyc;
  cyc.fallbacks = "primary = [\"backup\"]\nbackup = [\"primary\"]\n";
  auto fs_ = LintOf(cyc);
  const Finding* f = Find(fs_, "fallback-cycle");
  REQUIRE(f);
  CHECK(f->severity == Severity::kError);
  CHECK(f->key_path.find("router.fallbacks.") == 0);

  Toml unk;
  unk.fallbacks = "primary = [\"bakup\"]\n";
  auto us_ = LintOf(unk);
  const Finding* u = Find(us_, "unknown-fallback");
  REQUIRE(u);
  CHECK(u->key_path == "router.fallbacks.primary[0]");
  CHECK(u->line == 4);
  CHECK(u->message.find("did you mean \"backup\"") != std::string::npos);
  CHECK_FALSE(Find(LintOf(Toml{}), "fallback-cycle"));
  CHECK_FALSE(Find(LintOf(Toml{}), "unknown-fallback"));
}

TEST_CASE("same-provider-fallback: every fallback on the group's own provider") {
  Toml t;
  t.backup = "provider = \"openai\"\nmodel = \"gpt-4o-mini\"\napi_key = \"${SET_KEY}\"\n"
             "price = { input = 0.15, output = 0.6 }\n";
  auto fs_ = LintOf(t);
  const Finding* f = Find(fs_, "same-provider-fallback");
  REQUIRE(f);
  CHECK(f->severity == Severity::kWarning);
  CHECK(f->key_path == "router.fallbacks.primary");
  CHECK(f->line == 4);
  CHECK_FALSE(Find(LintOf(Toml{}), "same-provider-fallback"));

  // Two OpenAI-compatible servers on different hosts do not fail together.
  Toml hosts;
  hosts.primary = "provider = \"openai-compatible\"\nmodel = \"m\"\napi_base = \"http://a.example/v1\"\n"
                  "price = { input = 1, output = 1 }\n";
  hosts.backup = "provider = \"openai-compatible\"\nmodel = \"m\"\napi_base = \"http://b.example/v1\"\n"
                 "price = { input = 1, output = 1 }\n";
  CHECK_FALSE(Find(LintOf(hosts), "same-provider-fallback"));
}

TEST_CASE("no-fallback: a group nobody backs up, but not the end of a chain") {
  Toml t;
  t.fallbacks = "";
  auto fs = LintOf(t);
  CHECK(std::count_if(fs.begin(), fs.end(), [](const Finding& f) { return f.rule == "no-fallback"; }) == 2);
  // With primary -> backup, backup is the end of primary's chain: no warning for either.
  CHECK_FALSE(Find(LintOf(Toml{}), "no-fallback"));
}

TEST_CASE("no-timeout: no router timeout written and none on the deployment") {
  Toml t;
  t.router = "";
  auto fs = LintOf(t);
  CHECK(std::count_if(fs.begin(), fs.end(), [](const Finding& f) { return f.rule == "no-timeout"; }) == 2);
  t.primary += "timeout = \"15s\"\n";
  fs = LintOf(t);
  CHECK(std::count_if(fs.begin(), fs.end(), [](const Finding& f) { return f.rule == "no-timeout"; }) == 1);
  Toml req;
  req.router = "request_timeout = \"60s\"\n";
  CHECK_FALSE(Find(LintOf(req), "no-timeout"));
}

TEST_CASE("no-price: a deployment without a price") {
  Toml t;
  t.backup = "provider = \"anthropic\"\nmodel = \"claude\"\napi_key = \"${SET_KEY}\"\n";
  auto fs_ = LintOf(t);
  const Finding* f = Find(fs_, "no-price");
  REQUIRE(f);
  CHECK(f->severity == Severity::kWarning);
  CHECK(f->key_path == "deployments[1].price");
  CHECK_FALSE(Find(LintOf(Toml{}), "no-price"));
}

TEST_CASE("expensive-fallback: info with the ratio when over 2x") {
  Toml t;
  t.backup = "provider = \"anthropic\"\nmodel = \"opus\"\napi_key = \"${SET_KEY}\"\n"
             "price = { input = 15, output = 75 }\n";
  auto fs_ = LintOf(t);
  const Finding* f = Find(fs_, "expensive-fallback");
  REQUIRE(f);
  CHECK(f->severity == Severity::kInfo);
  CHECK(f->message.find("7.2x") != std::string::npos);  // 90 / 12.5
  CHECK(f->key_path == "router.fallbacks.primary[0]");
  CHECK_FALSE(Find(LintOf(Toml{}), "expensive-fallback"));  // 18 / 12.5 = 1.44x
}

TEST_CASE("-m limits group and deployment rules to the groups given") {
  Toml t;
  t.fallbacks = "";
  t.router = "";
  auto fs = LintOf(t, {"backup"});
  for (const auto& f : fs) CHECK(f.message.find("\"primary\"") == std::string::npos);
  CHECK(Find(fs, "no-fallback"));
}

TEST_CASE("every rule has an explanation, unknown rules have none") {
  for (const char* rule : {"unknown-key", "invalid-value", "missing-env", "fallback-cycle",
                           "unknown-fallback", "same-provider-fallback", "no-fallback",
                           "no-timeout", "no-price", "expensive-fallback"})
    CHECK(ExplainRule(rule).has_value());
  CHECK(ExplainRule("same-provider-fallback")->find("provider-wide outage") != std::string::npos);
  CHECK_FALSE(ExplainRule("nope").has_value());
}

}  // namespace
}  // namespace detour::check
