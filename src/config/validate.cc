#include "config/validate.h"

#include <algorithm>

#include "util/suggest.h"

namespace detour {
namespace {

using FallbackMap = std::map<std::string, std::vector<std::string>>;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string UnknownGroup(const std::string& name, const std::vector<std::string>& groups) {
  std::string hint = DidYouMean(name, groups);
  if (hint.empty()) hint = " (no [[deployments]] has model_name = \"" + name + "\")";
  return "unknown model group \"" + name + "\"" + hint;
}

// Depth-first search over known groups; every back edge closes a cycle and is reported at
// the list entry that closes it.
class CycleFinder {
 public:
  CycleFinder(TomlReader& r, const std::string& base, const FallbackMap& map,
              const std::vector<std::string>& groups)
      : r_(r), base_(base), map_(map), groups_(groups) {}

  void Run() {
    for (const auto& [from, _] : map_)
      if (Contains(groups_, from) && state_[from] == 0) Visit(from);
  }

 private:
  void Visit(const std::string& g) {
    state_[g] = 1;
    stack_.push_back(g);
    auto it = map_.find(g);
    const auto& next = it == map_.end() ? std::vector<std::string>{} : it->second;
    for (size_t i = 0; i < next.size(); ++i) {
      const std::string& to = next[i];
      if (!Contains(groups_, to)) continue;
      if (state_[to] == 1) Report(g, i, to);
      if (state_[to] == 0) Visit(to);
    }
    stack_.pop_back();
    state_[g] = 2;
  }

  void Report(const std::string& from, size_t index, const std::string& to) {
    std::string chain;
    auto start = std::find(stack_.begin(), stack_.end(), to);
    for (auto it = start; it != stack_.end(); ++it) chain += *it + " -> ";
    chain += to;
    std::string path = TomlReader::Index(TomlReader::Join(base_, from), index);
    r_.Issue(r_.LineOf(path), path, "fallback cycle: " + chain);
  }

  TomlReader& r_;
  std::string base_;
  const FallbackMap& map_;
  const std::vector<std::string>& groups_;
  std::map<std::string, int> state_;  // 0 unseen, 1 on the stack, 2 done
  std::vector<std::string> stack_;
};

void CheckFallbackMap(TomlReader& r, const std::string& base, const FallbackMap& map,
                      const std::vector<std::string>& groups) {
  for (const auto& [from, targets] : map) {
    std::string from_path = TomlReader::Join(base, from);
    if (!Contains(groups, from))
      r.Issue(r.LineOf(from_path), from_path, UnknownGroup(from, groups));
    for (size_t i = 0; i < targets.size(); ++i) {
      std::string path = TomlReader::Index(from_path, i);
      if (!Contains(groups, targets[i]))
        r.Issue(r.LineOf(path), path, UnknownGroup(targets[i], groups));
    }
  }
  CycleFinder(r, base, map, groups).Run();
}

}  // namespace

void AssignDeploymentIds(TomlReader& r) {
  LoadState& st = r.state();
  auto& deps = st.config.deployments;
  std::map<std::string, size_t> taken;  // id -> index of the deployment that has it
  for (size_t i = 0; i < deps.size(); ++i) {
    if (!st.explicit_id[i]) continue;
    std::string path = st.deployment_paths[i] + ".id";
    const std::string& id = deps[i].id;
    if (id.empty()) {
      r.Issue(r.LineOf(path), path, "must not be empty");
    } else if (auto it = taken.find(id); it != taken.end()) {
      r.Issue(r.LineOf(path), path,
              "duplicate deployment id \"" + id + "\" (also used by the deployment at line " +
                  std::to_string(deps[it->second].line) + ")");
    } else {
      taken[id] = i;
    }
  }
  for (size_t i = 0; i < deps.size(); ++i) {
    if (st.explicit_id[i]) continue;
    std::string base = deps[i].provider + "/" + deps[i].model;
    std::string id = base;
    for (int n = 2; taken.count(id); ++n) id = base + "#" + std::to_string(n);
    taken[id] = i;
    deps[i].id = id;
  }
}

void ValidateRouting(TomlReader& r) {
  const Config& c = r.state().config;
  std::vector<std::string> groups = c.GroupNames();
  CheckFallbackMap(r, "router.fallbacks", c.router.fallbacks, groups);
  CheckFallbackMap(r, "router.context_window_fallbacks", c.router.context_window_fallbacks,
                   groups);
  CheckFallbackMap(r, "router.content_policy_fallbacks", c.router.content_policy_fallbacks,
                   groups);
  for (const auto& [group, h] : c.router.hedge)
    if (!Contains(groups, group))
      r.Issue(r.LineOf("router.hedge." + group), "router.hedge." + group, UnknownGroup(group, groups));
  const std::string& dm = c.router.default_model;
  bool is_id = std::any_of(c.deployments.begin(), c.deployments.end(),
                           [&](const DeploymentConfig& d) { return d.id == dm; });
  if (!dm.empty() && !Contains(groups, dm) && !is_id)
    r.Issue(r.LineOf("router.default_model"), "router.default_model", UnknownGroup(dm, groups));
}

}  // namespace detour
