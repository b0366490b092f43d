// Internal to config/: readers for the top-level tables of detour.toml (SPEC 2). Each
// fills its part of the Config and records issues through the reader.
#pragma once

#include "config/toml_reader.h"

namespace detour {

void ReadServer(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
void ReadRouter(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
void ReadCache(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
void ReadUsage(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
void ReadRecord(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
void ReadTelemetry(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
// [state] (config/state_section.cc). ParseRedisUrl fills host, port, db, tls and the
// URL's credentials, or returns the problem (never quoting the URL).
std::optional<std::string> ParseRedisUrl(std::string_view url, StateConfig& out);
void ReadState(TomlReader& r, const toml::node& n, const std::string& path, Config& c);
// A deployment's vertex keys (project, location, credentials): defaults and checks for
// provider "vertex", an issue for each one given to another provider (config/vertex.cc).
void ApplyVertexKeys(TomlReader& r, const toml::table& t, const std::string& path,
                     DeploymentConfig& d);
// The [[deployments]] array; also sets LoadState::explicit_id.
void ReadDeployments(TomlReader& r, const toml::node& n, const std::string& path, Config& c);

}  // namespace detour
