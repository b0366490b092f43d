// `detour status` rendering: the status page's JSON (server/status_board.h Snapshot, read
// from GET /ui/status.json) as terminal tables. Pure: JSON in, text out, so tests pin it.
#pragma once

#include <string>

#include "model/types.h"

namespace detour {

// `url` names the serve it came from in the heading.
std::string RenderStatusTable(const Json& status, const std::string& url);

}  // namespace detour
