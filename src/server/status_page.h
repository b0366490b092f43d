// GET /ui (SPEC 9): the status page, one self-contained HTML document (inline CSS and a
// little plain JavaScript; no external assets, no framework, no build step). It reads
// /ui/status.json (StatusBoard::Snapshot) every 2 s and draws it: groups and who serves
// them, deployments with state (word + shape, never colour alone), 15-minute sparklines,
// failovers of the last hour, cost per team and group today with budget bars.
#pragma once

#include <string_view>

namespace detour {

std::string_view StatusPageHtml();

}  // namespace detour
