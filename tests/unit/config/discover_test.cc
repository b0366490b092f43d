#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config_test_util.h"

namespace detour {
namespace {

namespace fs = std::filesystem;
using config_test::FakeEnv;
using config_test::IssueStrings;

// A fresh directory that is the working directory for the test's lifetime.
class TempCwd {
 public:
  TempCwd() {
    std::string tmpl = (fs::temp_directory_path() / "detour-config-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    old_ = fs::current_path();
    fs::current_path(dir_);
  }
  ~TempCwd() {
    fs::current_path(old_);
    fs::remove_all(dir_);
  }
  std::string Write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return dir_.string(); }

 private:
  fs::path dir_, old_;
};

TEST_CASE("discovery: --config, then $DETOUR_CONFIG, then ./detour.toml, then XDG") {
  TempCwd cwd;
  std::string xdg = cwd.path() + "/xdg";
  auto env = FakeEnv({{"XDG_CONFIG_HOME", xdg}, {"HOME", cwd.path() + "/home"}});
  CHECK(DiscoverConfigPath("", env) == std::nullopt);

  cwd.Write("home/.config/detour/config.toml", "");
  CHECK(DiscoverConfigPath("", env) == std::nullopt);  // XDG set: ~/.config is not used
  auto home_only = FakeEnv({{"HOME", cwd.path() + "/home"}});
  CHECK(DiscoverConfigPath("", home_only) == cwd.path() + "/home/.config/detour/config.toml");

  cwd.Write("xdg/detour/config.toml", "");
  CHECK(DiscoverConfigPath("", env) == xdg + "/detour/config.toml");
  cwd.Write("detour.toml", "");
  CHECK(DiscoverConfigPath("", env) == "detour.toml");

  auto with_var = FakeEnv({{"DETOUR_CONFIG", "/elsewhere/missing.toml"}, {"XDG_CONFIG_HOME", xdg}});
  CHECK(DiscoverConfigPath("", with_var) == "/elsewhere/missing.toml");
  CHECK(DiscoverConfigPath("mine.toml", with_var) == "mine.toml");
}

TEST_CASE("LoadConfigFile reads a file and names it in issues") {
  TempCwd cwd;
  std::string path = cwd.Write("bad.toml", "[router]\nstrategy = \"prority\"\n");
  auto r = LoadConfigFile(path, FakeEnv());
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().unreadable);
  CHECK(IssueStrings(r.error()) ==
        std::vector<std::string>{path + ":2: router.strategy: unknown strategy \"prority\" (did "
                                        "you mean \"priority\"?)"});
}

TEST_CASE("a missing file or a directory is unreadable") {
  TempCwd cwd;
  auto r = LoadConfigFile("nope.toml", FakeEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().unreadable);
  CHECK(IssueStrings(r.error()) ==
        std::vector<std::string>{"nope.toml: cannot read the config file: No such file or directory"});
  auto d = LoadConfigFile(cwd.path(), FakeEnv());
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().unreadable);
}

TEST_CASE("LoadDiscoveredConfig loads the discovered file, else the embedded default") {
  TempCwd cwd;
  auto env = FakeEnv({{"XDG_CONFIG_HOME", cwd.path()}, {"GEMINI_API_KEY", "g"}});
  auto embedded = LoadDiscoveredConfig("", env);
  REQUIRE(embedded.ok());
  CHECK(embedded->embedded);
  CHECK(embedded->source == "<embedded default>");

  cwd.Write("detour.toml", "[[deployments]]\nmodel_name = \"x\"\nmodel = \"gemini/gemini-2.5-pro\"\n");
  auto file = LoadDiscoveredConfig("", env);
  REQUIRE(file.ok());
  CHECK_FALSE(file->embedded);
  CHECK(file->source == "detour.toml");
  CHECK(file->deployments.at(0).api_key == "g");

  auto explicit_missing = LoadDiscoveredConfig("missing.toml", env);
  REQUIRE_FALSE(explicit_missing.ok());
  CHECK(explicit_missing.error().unreadable);
}

TEST_CASE("embedded default: one group per provider with a key, plus a cross-provider default") {
  Config c = EmbeddedDefaultConfig(
      FakeEnv({{"OPENAI_API_KEY", "sk-o"}, {"GEMINI_API_KEY", "g-1"}, {"ANTHROPIC_API_KEY", ""}}));
  CHECK(c.embedded);
  CHECK(c.GroupNames() == std::vector<std::string>{"openai", "gemini", "default"});
  REQUIRE(c.deployments.size() == 3);
  CHECK(c.deployments[0].id == "openai/gpt-4o");
  CHECK(c.deployments[0].api_key == "sk-o");
  CHECK(c.deployments[0].api_base == "https://api.openai.com/v1");
  CHECK(c.deployments[1].id == "gemini/gemini-2.5-flash");
  CHECK(c.deployments[1].api_base == "https://generativelanguage.googleapis.com");
  CHECK(c.deployments[2].id == "default/openai");
  CHECK(c.deployments[2].model_name == "default");
  CHECK(c.deployments[2].model == "gpt-4o");
  CHECK(c.router.default_model == "default");
  CHECK(c.router.fallbacks.at("default") == std::vector<std::string>{"gemini"});
}

TEST_CASE("embedded default with all three keys chains openai, anthropic, gemini") {
  Config c = EmbeddedDefaultConfig(
      FakeEnv({{"OPENAI_API_KEY", "o"}, {"ANTHROPIC_API_KEY", "a"}, {"GEMINI_API_KEY", "g"}}));
  CHECK(c.GroupNames() == std::vector<std::string>{"openai", "anthropic", "gemini", "default"});
  CHECK(c.deployments[1].model == "claude-sonnet-4-6");
  CHECK(c.router.fallbacks.at("default") == std::vector<std::string>{"anthropic", "gemini"});
}

TEST_CASE("embedded default with one key has no fallbacks, with none has no deployments") {
  Config one = EmbeddedDefaultConfig(FakeEnv({{"ANTHROPIC_API_KEY", "a"}}));
  CHECK(one.GroupNames() == std::vector<std::string>{"anthropic", "default"});
  CHECK(one.router.fallbacks.empty());
  Config none = EmbeddedDefaultConfig(FakeEnv());
  CHECK(none.deployments.empty());
  CHECK(none.router.default_model.empty());
  CHECK(none.source == "<embedded default>");
}

}  // namespace
}  // namespace detour
