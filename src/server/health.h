// GET /health (SPEC 4, 8): every deployment's state from the state store, and
// an overall status: "down" when some group cannot be served at all, "degraded" when some
// group is served only through its fallbacks, else "ok". Never shows a secret.
#pragma once

#include <map>
#include <string>

#include "core/route_table.h"
#include "core/state_store.h"
#include "model/types.h"

namespace detour {

Json HealthJson(const RouteTable& table, StateStore& store, TimePoint now);

// Adds `cache_read_tokens` (prompt tokens the provider read from its prompt cache since
// start, from /metrics' counter) to every deployment of a HealthJson document.
void AddCacheReadTokens(Json& health, const std::map<std::string, double>& by_deployment);

}  // namespace detour
