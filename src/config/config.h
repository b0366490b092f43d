// The validated, immutable configuration (SPEC 2). Plain data: produced once by
// config/load.h, then read-only. Durations are milliseconds. Every deployment and key
// remembers the line it came from so later diagnostics can point at it.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/types.h"

namespace detour {

struct Price {
  double input = 0;   // USD per million prompt tokens
  double output = 0;  // USD per million completion tokens
};

struct DeploymentConfig {
  std::string id;          // unique; default "<provider>/<model>", suffixed "#2".. when repeated
  std::string model_name;  // the group
  std::string provider;    // openai | azure | anthropic | gemini | openai-compatible | vertex
  std::string model;       // provider's model id (azure: deployment name)
  std::string api_key;     // expanded; empty when none
  std::string missing_env; // set when api_key referenced an unset variable: deployment unusable
  std::string api_base;    // expanded, provider default filled in, no trailing slash
  std::string api_version; // azure only; default "2024-10-21"
  // vertex only (SPEC 2.3): the Google Cloud project (required), the region (default
  // "us-central1"; "global" is the global endpoint) and the service-account JSON file
  // (default: $GOOGLE_APPLICATION_CREDENTIALS). api_base defaults to the location's host.
  std::string project;
  std::string location;
  std::string credentials;
  std::optional<int> rpm;
  std::optional<int> tpm;
  std::optional<double> weight;
  int order = 1;
  std::optional<Millis> timeout;
  std::optional<Millis> first_token_timeout;
  std::optional<Millis> stream_idle_timeout;
  std::optional<Price> price;
  // Tokens (SPEC 9); a prompt estimated clearly larger skips this deployment. Unset: the
  // built-in figure for well-known models (core/context_window.h); 0: no check.
  std::optional<int> context_window;
  std::vector<std::pair<std::string, std::string>> headers;  // extra upstream headers
  bool tls_verify = true;
  bool health_probe = true;
  std::string probe = "chat";  // chat | models
  int line = 0;                // line of its [[deployments]] table
};

struct Backoff {
  Millis base{250};
  Millis max{8000};
};

// [router.hedge] per group (SPEC 9): when a request's first token (a buffered request's
// answer) has not come `after` its attempt began, the same request also goes to the
// next-best deployment and the first to answer wins. At most `max_ratio` of the group's
// recent requests are hedged.
struct HedgeConfig {
  std::optional<Millis> after;  // unset: "p95" of the group's recent first-token times
  double max_ratio = 0.05;
};

struct RouterConfig {
  std::string default_model;  // empty = first group
  std::string strategy = "simple-shuffle";
  Millis timeout{30000};
  Millis first_token_timeout{10000};
  Millis stream_idle_timeout{20000};
  Millis request_timeout{120000};
  int num_retries = 2;
  Backoff backoff;
  Millis max_retry_after{10000};
  int allowed_fails = 3;
  Millis cooldown_window{60000};
  Millis cooldown{30000};
  Millis probe_interval{10000};
  std::string stream_resume = "replay";  // replay | off
  bool session_affinity = false;  // SPEC 9: a conversation stays on one deployment while healthy
  std::map<std::string, HedgeConfig> hedge;  // group -> its hedge (absent: no hedging)
  // Explicit per-kind retry budgets from [router.retry_policy]; unset kinds fall back to
  // num_retries for retryable kinds and 0 for the others (core/retry_policy.h).
  std::array<std::optional<int>, kErrorKindCount> retry_policy{};
  std::map<std::string, std::vector<std::string>> fallbacks;
  std::map<std::string, std::vector<std::string>> context_window_fallbacks;
  std::map<std::string, std::vector<std::string>> content_policy_fallbacks;
};

// A team's spending limit (SPEC 9): `usd` per UTC day or month.
struct Budget {
  double usd = 0;
  std::string per = "day";  // "day" | "month"
};

// One entry of server.api_keys: a plain string is a key of team "default" with no budget.
struct ClientKey {
  std::string key;
  std::string team = "default";
  std::optional<Budget> budget;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:4000";
  std::vector<std::string> api_keys;  // every client key (plain or table); empty = no auth
  std::vector<ClientKey> clients;     // parallel to api_keys: each key's team and budget
  size_t max_body = 8u << 20;
  Millis shutdown_grace{10000};
  bool allow_unauthenticated = false;
  // Scheduler threads of `serve` (fibers on each); 0 = one per core. Read at start only.
  int threads = 0;
};

struct CacheConfig {
  bool enabled = false;
  Millis ttl{600000};
  size_t max_entries = 10000;
};

struct UsageConfig {
  std::string log;  // path of the JSONL usage log; empty = off
};

struct RecordConfig {
  std::string path;  // [record] path: JSONL of upstream attempts for bench (SPEC 7); empty = off
};

// [telemetry] (SPEC 9): OTLP/HTTP JSON traces, off unless otlp_endpoint is set.
struct TelemetryConfig {
  std::string otlp_endpoint;  // "http://127.0.0.1:4318"; spans go to {endpoint}/v1/traces
  std::string service_name = "detour";
};

// [state] (SPEC 9): where shared deployment state lives. The URL is parsed when the config
// loads (config/state_section.cc); `password` (from the URL's user:pass@ or the key) is a
// secret: it is registered with the log redactor and never printed.
struct StateConfig {
  std::string backend = "memory";  // "memory" | "redis"
  bool tls = false;                // rediss://
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;  // ACL user, empty for the default user
  std::string password;
  std::string prefix = "detour:";
};

struct Config {
  std::string source;  // file path it came from, or "<embedded default>"
  bool embedded = false;
  ServerConfig server;
  RouterConfig router;
  std::vector<DeploymentConfig> deployments;
  CacheConfig cache;
  UsageConfig usage;
  RecordConfig record;
  TelemetryConfig telemetry;
  StateConfig state;

  // Group names in first-appearance order.
  std::vector<std::string> GroupNames() const;
};

}  // namespace detour
