// bench's built-in demo config, used when no config file is found (SPEC 1.4: bench is
// most useful with the user's own config; the demo lets `detour bench` run with none).
#pragma once

namespace detour::bench {

// examples/detour.toml, verbatim.
const char* DemoConfigText();

}  // namespace detour::bench
