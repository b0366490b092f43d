// The built-in demo config of `detour bench`: the text of examples/detour.toml (a unit
// test keeps the two identical; edit the example, then paste it here).
#include "bench/demo_config.h"

namespace detour::bench {

const char* DemoConfigText() {
  return R"demo(# detour example config: four providers, and every group backed by another vendor, so a
# provider's bad night costs callers a little latency instead of errors.
#
# `detour bench` replays the outages in examples/traces/ against this file (README,
# "Replaying outages"); with no config of your own it is also bench's built-in demo.
# Keys come from the environment; against the simulator they are never read.

[router]
default_model = "gpt-4o"
strategy = "simple-shuffle"
timeout = "30s"                 # one attempt, connect to last byte (non-stream)
first_token_timeout = "8s"      # streams: a silent upstream is given up on after 8 s
stream_idle_timeout = "10s"     # streams: longest silence between chunks
request_timeout = "90s"         # the whole request, every retry and fallback included
num_retries = 2
backoff = { base = "250ms", max = "4s" }
max_retry_after = "10s"         # honour Retry-After up to 10 s; longer = fail over now
allowed_fails = 3               # the 4th failure inside a minute cools the deployment
cooldown_window = "60s"
cooldown = "30s"                # doubles on each repeat, up to 8x
probe_interval = "10s"          # a cooling deployment is probed; one success reopens it
stream_resume = "replay"        # a stream cut after the first token is repaired on a backup

[router.retry_policy]
timeout = 1                     # on another deployment: never re-send to a silent one
connection = 2
server_error = 2
rate_limit = 2
auth = 0
not_found = 0
bad_request = 0

[router.fallbacks]              # another vendor behind every group (no cycles)
gpt-4o = ["claude-sonnet", "gemini-flash"]
gpt-4o-mini = ["gemini-flash", "claude-haiku"]
claude-sonnet = ["gemini-flash"]
gemini-flash = ["claude-haiku"]

# gpt-4o: OpenAI first, the same model on Azure beside it.
[[deployments]]
id = "openai-gpt-4o"
model_name = "gpt-4o"
provider = "openai"
model = "gpt-4o"
api_key = "${OPENAI_API_KEY}"
price = { input = 2.50, output = 10.00 }

[[deployments]]
id = "azure-eastus-gpt-4o"
model_name = "gpt-4o"
provider = "azure"
model = "gpt-4o"                # the Azure deployment name
api_base = "https://contoso-eastus.openai.azure.com"
api_key = "${AZURE_OPENAI_API_KEY}"
price = { input = 2.50, output = 10.00 }

# gpt-4o-mini: Azure first (committed capacity), OpenAI beside it.
[[deployments]]
id = "azure-eastus-gpt-4o-mini"
model_name = "gpt-4o-mini"
provider = "azure"
model = "gpt-4o-mini"
api_base = "https://contoso-eastus.openai.azure.com"
api_key = "${AZURE_OPENAI_API_KEY}"
price = { input = 0.15, output = 0.60 }

[[deployments]]
id = "openai-gpt-4o-mini"
model_name = "gpt-4o-mini"
provider = "openai"
model = "gpt-4o-mini"
api_key = "${OPENAI_API_KEY}"
price = { input = 0.15, output = 0.60 }

[[deployments]]
id = "anthropic-claude-sonnet"
model_name = "claude-sonnet"
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key = "${ANTHROPIC_API_KEY}"
price = { input = 3.00, output = 15.00 }

[[deployments]]
id = "gemini-flash"
model_name = "gemini-flash"
provider = "gemini"
model = "gemini-2.5-flash"
api_key = "${GEMINI_API_KEY}"
price = { input = 0.30, output = 2.50 }

# claude-haiku: the last resort behind gemini-flash.
[[deployments]]
id = "anthropic-claude-haiku"
model_name = "claude-haiku"
provider = "anthropic"
model = "claude-haiku-4-5"
api_key = "${ANTHROPIC_API_KEY}"
price = { input = 1.00, output = 5.00 }
)demo";
}

}  // namespace detour::bench
