#include "providers/vertex/service_account.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "providers/classify.h"
#include "providers/endpoint.h"
#include "providers/vertex/jwt.h"
#include "util/fiber.h"
#include "util/json_guard.h"
#include "util/log.h"

namespace detour::vertex {
namespace {

constexpr const char* kScope = "https://www.googleapis.com/auth/cloud-platform";
constexpr const char* kDefaultTokenUri = "https://oauth2.googleapis.com/token";
constexpr int64_t kLifetimeS = 3600;     // the assertion's and, usually, the token's
constexpr int64_t kRefreshEarlyS = 300;  // mint a new token this long before expiry
constexpr Millis kWaitPoll{2};

std::string Str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The earliest deadline this attempt has (epoch values mean "unset").
TimePoint Earliest(const AttemptLimits& l) {
  TimePoint at = TimePoint::max();
  for (TimePoint t : {l.deadline, l.first_token_deadline, l.hard_deadline})
    if (t != TimePoint{}) at = std::min(at, t);
  return at;
}

Error Failed(ErrorKind kind, std::string what, int status = 0) {
  return MakeError(kind, "Vertex token exchange " + what, status);
}

// 4xx is a refusal of these credentials (invalid_grant, a deleted key): auth. Overload
// and outages keep their kinds so the router treats them as transient.
ErrorKind KindForStatus(int status) {
  if (status == 429) return ErrorKind::kRateLimit;
  if (status == 408 || status == 504) return ErrorKind::kTimeout;
  if (status >= 400 && status < 500) return ErrorKind::kAuth;
  return ErrorKind::kServerError;
}

}  // namespace

Expected<ServiceAccount, std::string> LoadServiceAccount(const std::string& path) {
  const std::string where = "credentials file \"" + path + "\": ";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(where + "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  Json doc = ParseJsonBounded(text.str());
  if (!doc.is_object()) return Fail(where + "is not JSON");
  std::string type = Str(doc, "type");
  if (type != "service_account")
    return Fail(where + "is not a service-account key (type \"" + type + "\")");
  ServiceAccount a{Str(doc, "client_email"), Str(doc, "private_key"), Str(doc, "private_key_id"),
                   Str(doc, "token_uri")};
  if (a.token_uri.empty()) a.token_uri = kDefaultTokenUri;
  for (auto [field, value] : {std::pair{"client_email", &a.client_email}, {"private_key", &a.private_key}})
    if (value->empty()) return Fail(where + "has no " + field);
  if (auto key = CheckRsaKey(a.private_key); !key) return Fail(where + key.error());
  return a;
}

ServiceAccountTokens::ServiceAccountTokens(ServiceAccount account, net::HttpClient& http, Clock& clock)
    : account_(std::move(account)), http_(http), clock_(clock) {}

void ServiceAccountTokens::Invalidate() {
  std::lock_guard lock(mu_);
  refresh_at_ = TimePoint{};
}

Result<std::string> ServiceAccountTokens::Token(const AttemptLimits& limits) {
  std::unique_lock lock(mu_);
  const uint64_t seen = generation_;
  while (refreshing_) {
    lock.unlock();
    // Waiting on another caller's exchange is real time (the exchange is real I/O).
    if (SystemClock().Now() >= clock_.ToSteady(Earliest(limits)))
      return Fail(Failed(ErrorKind::kTimeout, "still running at the attempt's deadline"));
    if (limits.cancel && limits.cancel->load())
      return Fail(MakeError(ErrorKind::kCanceled, "canceled: the caller went away"));
    fiber::SleepUntil(SystemClock().Now() + kWaitPoll);
    lock.lock();
  }
  if (FreshLocked()) return token_;
  if (generation_ != seen && last_error_) return Fail(*last_error_);  // the refresh we waited for failed
  refreshing_ = true;
  lock.unlock();
  auto minted = Exchange(limits);
  lock.lock();
  refreshing_ = false;
  ++generation_;
  if (!minted) {
    last_error_ = minted.error();
    return Fail(std::move(minted).error());
  }
  last_error_.reset();
  int64_t early = std::min(kRefreshEarlyS, minted->expires_in_s / 2);
  token_ = minted->token;
  refresh_at_ = clock_.Now() + std::chrono::seconds(minted->expires_in_s - early);
  return token_;
}

Result<ServiceAccountTokens::Minted> ServiceAccountTokens::Exchange(const AttemptLimits& limits) const {
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!account_.private_key_id.empty()) header["kid"] = account_.private_key_id;
  Json claims = {{"iss", account_.client_email}, {"scope", kScope}, {"aud", account_.token_uri},
                 {"iat", now}, {"exp", now + kLifetimeS}};
  auto assertion = SignJwt(header, claims, account_.private_key);
  if (!assertion) return Fail(Failed(ErrorKind::kAuth, "could not be prepared: " + assertion.error()));
  net::Deadline deadline(clock_.ToSteady(Earliest(limits)));
  net::Request req;
  req.method = "POST";
  req.url = account_.token_uri;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = "grant_type=" + PercentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
             "&assertion=" + *assertion;
  req.deadline = &deadline;
  req.cancel = limits.cancel;
  auto response = http_.Send(req);
  if (!response) {
    Error e = ClassifyTransport(response.error());
    e.message = "Vertex token exchange: " + e.message;
    return Fail(std::move(e));
  }
  auto minted = ReadAnswer(*response);
  if (!minted) {
    Error e = std::move(minted).error();
    RedactSecret(e, *assertion);  // belt and braces: an endpoint might echo it
    return Fail(std::move(e));
  }
  return minted;
}

Result<ServiceAccountTokens::Minted> ServiceAccountTokens::ReadAnswer(const net::Response& response) const {
  Json doc = ParseJsonBounded(response.body);
  int status = response.status;
  if (status < 200 || status >= 300) {
    // OAuth's {"error":"invalid_grant","error_description":"Invalid JWT Signature."}
    std::string why = doc.is_object() ? Str(doc, "error") : std::string();
    std::string detail = doc.is_object() ? Str(doc, "error_description").substr(0, 200) : std::string();
    if (!detail.empty()) why += (why.empty() ? "" : ": ") + detail;
    std::string text = (status >= 400 && status < 500 ? "refused" : "failed") + std::string(" (HTTP ") +
                       std::to_string(status) + (why.empty() ? "" : " " + why) + ")";
    return Fail(Failed(KindForStatus(status), text, status));
  }
  std::string token = doc.is_object() ? Str(doc, "access_token") : std::string();
  if (token.empty()) return Fail(Failed(ErrorKind::kServerError, "answered without an access_token", status));
  Minted m;
  m.token = token;
  auto exp = doc.find("expires_in");
  if (exp != doc.end() && exp->is_number() && exp->get<double>() > 0) m.expires_in_s = exp->get<int64_t>();
  log::RegisterSecret(m.token);
  return m;
}

}  // namespace detour::vertex
