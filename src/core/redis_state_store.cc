#include "core/redis_state_store.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace detour {
namespace {

using net::resp::Value;

// Every script reads Redis's clock, so instances on different hosts agree on windows.
#define DETOUR_LUA_NOW "local t=redis.call('TIME') local now=t[1]*1000+math.floor(t[2]/1000) "

// rpm/tpm admission. KEYS: rpm set, tpm set. ARGV: rpm (-1 none), tpm (-1 none), member.
// Returns {1 admitted | 0 refused, ms until room, requests in the window}.
const char* kAdmitLua = DETOUR_LUA_NOW R"(
local from=now-60000
redis.call('ZREMRANGEBYSCORE',KEYS[1],'-inf',from)
local n=redis.call('ZCARD',KEYS[1])
local rpm=tonumber(ARGV[1]) local tpm=tonumber(ARGV[2])
if rpm>=0 and n>=rpm then
  local first=redis.call('ZRANGE',KEYS[1],0,0,'WITHSCORES')
  return {0,tonumber(first[2])+60000-now,n}
end
if tpm>=0 then
  redis.call('ZREMRANGEBYSCORE',KEYS[2],'-inf',from)
  local used=0
  for _,m in ipairs(redis.call('ZRANGE',KEYS[2],0,-1)) do used=used+tonumber(string.match(m,':(%d+)$')) end
  if used>=tpm then
    local first=redis.call('ZRANGE',KEYS[2],0,0,'WITHSCORES')
    return {0,tonumber(first[2])+60000-now,n}
  end
end
redis.call('ZADD',KEYS[1],now,ARGV[3])
redis.call('PEXPIRE',KEYS[1],61000)
return {1,0,n+1}
)";

// Tokens of a finished attempt. KEYS: tpm set. ARGV: member ("<unique>:<tokens>").
const char* kTokensLua = DETOUR_LUA_NOW R"(
redis.call('ZADD',KEYS[1],now,ARGV[1])
redis.call('PEXPIRE',KEYS[1],61000)
return 1
)";

// A failed attempt. KEYS: fails set, cd hash. ARGV: local cooldown ms (-1: the local
// circuit did not open), counted (1/0), window ms, allowed_fails, cooldown ms, member,
// channel, deployment id. Opens (or extends) the shared cooldown when the local circuit
// opened, when the shared window passes allowed_fails, or when this failure answers a
// shared half-open probe (doubled, up to 8x); publishes "<ms> <mult> <id>".
const char* kFailLua = DETOUR_LUA_NOW R"(
local u=tonumber(redis.call('HGET',KEYS[2],'until') or '-1')
local mult=tonumber(redis.call('HGET',KEYS[2],'mult') or '1')
local dur=tonumber(ARGV[1])
if dur<0 then
  if ARGV[2]~='1' or u>now then return 0 end
  if u>=0 then
    mult=math.min(mult*2,8) dur=tonumber(ARGV[5])*mult
  else
    local w=tonumber(ARGV[3])
    redis.call('ZADD',KEYS[1],now,ARGV[6])
    redis.call('ZREMRANGEBYSCORE',KEYS[1],'-inf',now-w)
    redis.call('PEXPIRE',KEYS[1],w)
    if redis.call('ZCARD',KEYS[1])<=tonumber(ARGV[4]) then return 0 end
    mult=1 dur=tonumber(ARGV[5])
  end
elseif u<0 then
  mult=1
end
redis.call('DEL',KEYS[1])
local nu=math.max(u,now+dur)
redis.call('HSET',KEYS[2],'until',nu,'mult',mult)
redis.call('PEXPIRE',KEYS[2],nu-now+tonumber(ARGV[3])+600000)
redis.call('PUBLISH',ARGV[7],(nu-now)..' '..mult..' '..ARGV[8])
return nu-now
)";

// A success after the shared cooldown ended closes it. KEYS: cd. ARGV: channel, id.
const char* kCloseLua = DETOUR_LUA_NOW R"(
local u=redis.call('HGET',KEYS[1],'until')
if not u or tonumber(u)>now then return 0 end
redis.call('DEL',KEYS[1])
redis.call('PUBLISH',ARGV[1],'0 0 '..ARGV[2])
return 1
)";

// The refresh: per cd key, the ms left (0 once ended) or -1 when there is none.
const char* kRefreshLua = DETOUR_LUA_NOW R"(
local out={}
for i,k in ipairs(KEYS) do
  local u=redis.call('HGET',k,'until')
  if u then out[i]=math.max(0,tonumber(u)-now) else out[i]=-1 end
end
return out
)";

constexpr int64_t kSpendTtlS = 40 * 24 * 3600;  // longer than any budget period

// Failures that count in the allowed_fails window (core/cooldown.cc's rule).
bool Counted(ErrorKind k) {
  return k == ErrorKind::kTimeout || k == ErrorKind::kConnection || k == ErrorKind::kServerError;
}

std::string Num(int64_t v) { return std::to_string(v); }

}  // namespace

struct RedisStateStore::Entry final : StateSlot {
  Entry(const std::string& id, StateSlot& l) : StateSlot(id), local(l) {}
  StateSlot& local;
  std::mutex mu;
  // The shared cooldown as last seen: none, or ends at `until` (in this Clock's time).
  bool shared = false;
  TimePoint until{};
  bool probe_taken = false;  // this instance's turn at the shared half-open probe
  TimePoint limited_until{};  // rpm/tpm full across instances until then
  TimePoint changed{};        // when this instance last changed the shared cooldown itself
  double share = 0;
};

RedisStateStore::RedisStateStore(Options o, Clock& clock) : o_(std::move(o)), clock_(clock) {
  instance_ = std::to_string(getpid()) + "." +
              std::to_string(clock_.WallNow().time_since_epoch().count() & 0xffffffffff);
  RedisLink::Options lo{o_.endpoint, o_.prefix + "cooldown", o_.bound, o_.refresh};
  RedisLink::Hooks hooks{[this](const std::string& m) { OnMessage(m); },
                         [this](std::string* out) { return BuildRefresh(out); },
                         [this](const std::vector<Value>& r) { ApplyRefresh(r); }};
  link_ = std::make_unique<RedisLink>(std::move(lo), clock_, std::move(hooks));
}

RedisStateStore::~RedisStateStore() { link_.reset(); }

RedisStateStore::Entry& RedisStateStore::Of(StateSlot& s) { return static_cast<Entry&>(s); }

std::string RedisStateStore::Key(const Entry& e, const char* what) const {
  return o_.prefix + e.id() + ":" + what;
}

std::string RedisStateStore::Member() { return instance_ + "." + std::to_string(seq_++); }

StateSlot& RedisStateStore::Slot(const std::string& id) {
  StateSlot& local = local_.Slot(id);
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = slots_[id];
  if (!slot) {
    slot = std::make_unique<Entry>(id, local);
    order_.push_back(slot.get());
  }
  return *slot;
}

void RedisStateStore::ApplyShared(Entry& e, int64_t remaining_ms, std::optional<TimePoint> read_at) {
  std::lock_guard<std::mutex> lock(e.mu);
  // A refresh read before our own latest change would undo it: the change wins.
  if (read_at && *read_at < e.changed) return;
  if (remaining_ms < 0) {
    e.shared = false;
    e.probe_taken = false;
    return;
  }
  TimePoint until = clock_.Now() + Millis(remaining_ms);
  // A new cooldown (not the same one seen again) gives this instance a new probe turn.
  if (!e.shared || until > e.until + Millis(1000)) e.probe_taken = false;
  e.shared = true;
  e.until = until;
}

void RedisStateStore::OnMessage(const std::string& payload) {
  // "<ms> <mult> <id>"; ms 0 = closed.
  size_t a = payload.find(' ');
  size_t b = a == std::string::npos ? a : payload.find(' ', a + 1);
  if (b == std::string::npos) return;
  int64_t ms = std::atoll(payload.substr(0, a).c_str());
  std::string id = payload.substr(b + 1);
  Entry* e = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find(id);
    if (it != slots_.end()) e = it->second.get();
  }
  if (e) ApplyShared(*e, ms > 0 ? ms : -1, std::nullopt);
}

size_t RedisStateStore::BuildRefresh(std::string* out) {
  std::vector<std::string> script{"EVAL", kRefreshLua, "0"};
  std::vector<std::string> spend{"MGET"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    refreshed_slots_ = order_.size();
    refresh_read_at_ = clock_.Now();
    refreshed_spend_ = spend_keys_.size();
    script[2] = std::to_string(order_.size());
    for (const Entry* e : order_) script.push_back(Key(*e, "cd"));
    for (const auto& k : spend_keys_) spend.push_back(k);
  }
  net::resp::AppendCommand(*out, script);
  if (spend.size() == 1) return 1;
  net::resp::AppendCommand(*out, spend);
  return 2;
}

void RedisStateStore::ApplyRefresh(const std::vector<Value>& replies) {
  // order_ and spend_keys_ only grow, so the prefix BuildRefresh asked for is unchanged.
  std::vector<Entry*> entries;
  TimePoint read_at;
  {
    std::lock_guard<std::mutex> lock(mu_);
    read_at = refresh_read_at_;
    entries.assign(order_.begin(), order_.begin() + static_cast<long>(refreshed_slots_));
  }
  if (replies.empty() || replies[0].type != Value::Type::kArray) return;
  const auto& left = replies[0].elems;
  for (size_t i = 0; i < left.size() && i < entries.size(); ++i)
    if (left[i].type == Value::Type::kInt) ApplyShared(*entries[i], left[i].num, read_at);
  if (replies.size() < 2 || replies[1].type != Value::Type::kArray) return;
  std::lock_guard<std::mutex> lock(mu_);
  const auto& totals = replies[1].elems;
  for (size_t i = 0; i < totals.size() && i < refreshed_spend_; ++i)
    if (totals[i].type == Value::Type::kBulk) spend_[spend_keys_[i]] = std::atof(totals[i].str.c_str());
}

RoutingFacts RedisStateStore::Routing(StateSlot& s, const Limits& l, TimePoint now) {
  Entry& e = Of(s);
  RoutingFacts f = local_.Routing(e.local, l, now);
  std::lock_guard<std::mutex> lock(e.mu);
  if (e.shared && (now < e.until || e.probe_taken)) {
    f.cooling = true;
    if (now < e.until && (!f.cooling_until || *f.cooling_until < e.until)) f.cooling_until = e.until;
  }
  if ((l.rpm || l.tpm) && now < e.limited_until) {
    f.has_room = false;
    f.room_in = std::max(f.room_in, std::chrono::duration_cast<Millis>(e.limited_until - now));
  }
  f.usage_share = std::max(f.usage_share, e.share);
  return f;
}

void RedisStateStore::MarkWanted(StateSlot& s, TimePoint now) { local_.MarkWanted(Of(s).local, now); }

std::optional<AdmitResult> RedisStateStore::SharedAdmit(Entry& e, const Limits& l, TimePoint now) {
  std::string cmd = net::resp::Command({"EVAL", kAdmitLua, "2", Key(e, "rpm"), Key(e, "tpm"),
                                        Num(l.rpm ? *l.rpm : -1), Num(l.tpm ? *l.tpm : -1), Member()});
  auto replies = link_->Call(cmd, 1);
  if (!replies || (*replies)[0].type != Value::Type::kArray || (*replies)[0].elems.size() != 3)
    return std::nullopt;  // degraded: the local windows decide
  const auto& r = (*replies)[0].elems;
  std::lock_guard<std::mutex> lock(e.mu);
  if (l.rpm && *l.rpm > 0) e.share = static_cast<double>(r[2].num) / *l.rpm;
  if (r[0].num == 1) return AdmitResult::kOpen;
  e.limited_until = now + Millis(std::max<int64_t>(r[1].num, 1));
  return AdmitResult::kLimited;
}

AdmitResult RedisStateStore::TryAdmit(StateSlot& s, const Limits& l, TimePoint now, bool forced) {
  Entry& e = Of(s);
  bool probe = false;
  if (!forced) {
    std::lock_guard<std::mutex> lock(e.mu);
    if (e.shared && (now < e.until || e.probe_taken)) return AdmitResult::kCooling;
    probe = e.shared;  // the shared cooldown ended: this request is the half-open probe
    if (probe) e.probe_taken = true;
  }
  auto give_back = [&] {
    if (!probe) return;
    std::lock_guard<std::mutex> lock(e.mu);
    e.probe_taken = false;
  };
  if (l.rpm || l.tpm) {
    if (auto shared = SharedAdmit(e, l, now); shared == AdmitResult::kLimited) {
      give_back();
      return AdmitResult::kLimited;
    }
  }
  AdmitResult r = local_.TryAdmit(e.local, l, now, forced);
  if (r != AdmitResult::kOpen && r != AdmitResult::kProbe) {
    give_back();
    return r;
  }
  return probe ? AdmitResult::kProbe : r;
}

void RedisStateStore::PostFailure(Entry& e, const CooldownPolicy& p, const AttemptFacts& f, TimePoint now,
                                  bool opened) {
  int64_t local_ms = -1;
  if (opened) {
    RoutingFacts lf = local_.Routing(e.local, Limits{}, now);
    if (lf.cooling_until) local_ms = std::max<int64_t>(1, std::chrono::duration_cast<Millis>(*lf.cooling_until - now).count());
  }
  if (local_ms < 0 && !Counted(f.kind)) return;
  link_->Post(net::resp::Command({"EVAL", kFailLua, "2", Key(e, "fails"), Key(e, "cd"), Num(local_ms),
                                  Counted(f.kind) ? "1" : "0", Num(p.window.count()), Num(p.allowed_fails),
                                  Num(p.cooldown.count()), Member(), o_.prefix + "cooldown", e.id()}));
}

void RedisStateStore::PostClose(Entry& e) {
  link_->Post(net::resp::Command({"EVAL", kCloseLua, "1", Key(e, "cd"), o_.prefix + "cooldown", e.id()}));
}

bool RedisStateStore::Finish(StateSlot& s, const Limits& l, const CooldownPolicy& p, const AttemptFacts& f,
                             TimePoint now) {
  Entry& e = Of(s);
  bool opened = local_.Finish(e.local, l, p, f, now);
  bool close = false;
  {
    std::lock_guard<std::mutex> lock(e.mu);
    if (f.ok && e.shared && now >= e.until) {
      close = true;  // the shared half-open probe (ours or not) answered
      e.shared = false;
      e.changed = clock_.Now();
    }
    e.probe_taken = false;
  }
  if (f.ok) {
    if (close) PostClose(e);
    if (l.tpm && f.tokens > 0)
      link_->Post(net::resp::Command({"EVAL", kTokensLua, "1", Key(e, "tpm"), Member() + ":" + Num(f.tokens)}));
  } else {
    PostFailure(e, p, f, now, opened);
  }
  return opened;
}

void RedisStateStore::Abandon(StateSlot& s, AdmitResult how) {
  Entry& e = Of(s);
  {
    std::lock_guard<std::mutex> lock(e.mu);
    if (how == AdmitResult::kProbe) e.probe_taken = false;
  }
  local_.Abandon(e.local, how);
}

bool RedisStateStore::TakeProbeTurn(StateSlot& s, TimePoint now, Millis interval, Millis wanted_within) {
  return local_.TakeProbeTurn(Of(s).local, now, interval, wanted_within);
}

void RedisStateStore::ProbeSucceeded(StateSlot& s, TimePoint now) {
  Entry& e = Of(s);
  local_.ProbeSucceeded(e.local, now);
  bool close = false;
  {
    std::lock_guard<std::mutex> lock(e.mu);
    close = e.shared;
    e.shared = false;
    e.probe_taken = false;
    e.changed = clock_.Now();
  }
  if (close) {
    // The probe ran before the shared end perhaps: close it whatever its end time.
    link_->Post(net::resp::Command({"DEL", Key(e, "cd")}));
    link_->Post(net::resp::Command({"PUBLISH", o_.prefix + "cooldown", "0 0 " + e.id()}));
  }
}

HealthFacts RedisStateStore::Health(StateSlot& s, TimePoint now) {
  Entry& e = Of(s);
  HealthFacts h = local_.Health(e.local, now);
  std::lock_guard<std::mutex> lock(e.mu);
  if (e.shared && (now < e.until || e.probe_taken)) {
    h.cooling = true;
    if (now < e.until)
      h.cooldown_remaining_s = std::max(h.cooldown_remaining_s, std::chrono::duration<double>(e.until - now).count());
  }
  return h;
}

double RedisStateStore::AddSpend(const std::string& team, const std::string& period, double usd) {
  double local = local_.AddSpend(team, period, usd);
  std::string key = o_.prefix + "spend:" + team + ":" + period;
  char amount[64];
  std::snprintf(amount, sizeof amount, "%.10f", usd);
  link_->Post(net::resp::Command({"INCRBYFLOAT", key, amount}), [this, key](const Value& v) {
    if (v.type != Value::Type::kBulk) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, added] = spend_.try_emplace(key, 0.0);
    if (added) spend_keys_.push_back(key);
    it->second = std::atof(v.str.c_str());
  });
  link_->Post(net::resp::Command({"EXPIRE", key, Num(kSpendTtlS)}));
  return std::max(local, Spend(team, period));  // registers the key for the refresh
}

double RedisStateStore::Spend(const std::string& team, const std::string& period) {
  double local = local_.Spend(team, period);
  std::string key = o_.prefix + "spend:" + team + ":" + period;
  std::lock_guard<std::mutex> lock(mu_);
  // A key asked for once is refreshed from then on: other instances' spend shows here.
  auto [it, added] = spend_.try_emplace(key, 0.0);
  if (added) spend_keys_.push_back(key);
  return std::max(local, it->second);
}

std::optional<bool> RedisStateStore::BackendUp() const { return link_->Up(); }

std::optional<std::string> RedisStateStore::SharedGet(const std::string& key) {
  auto replies = link_->Call(net::resp::Command({"GET", o_.prefix + "cache:" + key}), 1);
  if (!replies || (*replies)[0].type != Value::Type::kBulk) return std::nullopt;
  return std::move((*replies)[0].str);
}

void RedisStateStore::SharedPut(const std::string& key, std::string value, Millis ttl) {
  link_->Post(net::resp::Command({"SET", o_.prefix + "cache:" + key, std::move(value), "PX",
                                  Num(std::max<int64_t>(1, ttl.count()))}));
}

}  // namespace detour
