// Fuzz target: ParseChatRequest (server/openai_api.h), the entry point `serve` hands every
// POST /v1/chat/completions body to. The input is the body.
//
// Checked, beyond "no crash, no sanitizer report" (UBSan includes float-to-int overflow):
// - an accepted request has the model it named, and no detour-only field
//   (fallbacks, num_retries, timeout) left in the body that goes upstream;
// - the overrides are what the body asked for: num_retries as given (clamped to INT_MAX,
//   never wrapped), timeout > 0 and at least the seconds asked for (or a huge cap);
// - the body can be serialised again (it goes upstream as text) without throwing;
// - a rejected request says which way it is wrong (a message, a 4xx status).
#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "server/openai_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto req = detour::ParseChatRequest(body);
  if (!req.ok()) {
    FUZZ_CHECK(!req.error().message.empty());
    FUZZ_CHECK(req.error().status >= 400 && req.error().status < 500);
    return 0;
  }
  const detour::Json& json = detour::RequestJson(*req);  // the fast path keeps bytes
  FUZZ_CHECK(json.is_object());
  FUZZ_CHECK(json.contains("model") && json["model"].is_string());
  FUZZ_CHECK(json["model"].get<std::string>() == req->model);
  FUZZ_CHECK(json.contains("messages") && json["messages"].is_array() && !json["messages"].empty());
  FUZZ_CHECK(!json.contains("fallbacks") && !json.contains("num_retries") && !json.contains("timeout"));
  // What the client sent, read independently of the parser under test.
  auto sent = detour::Json::parse(body.begin(), body.end(), nullptr, false);
  FUZZ_CHECK(sent.is_object());
  const auto& o = req->overrides;
  if (o.num_retries) {
    const auto& n = sent["num_retries"];
    FUZZ_CHECK(*o.num_retries >= 0);
    if (n.is_number_unsigned())
      FUZZ_CHECK(static_cast<uint64_t>(*o.num_retries) == std::min<uint64_t>(n.get<uint64_t>(), INT_MAX));
  }
  if (o.timeout) {
    double asked = sent["timeout"].get<double>();
    FUZZ_CHECK(o.timeout->count() > 0);
    FUZZ_CHECK(static_cast<double>(o.timeout->count()) >= std::min(asked * 1000, 1e12) - 1);
  }
  try {
    std::string text = json.dump();
    FUZZ_CHECK(!text.empty());
  } catch (const std::exception& e) {
    FUZZ_CHECK(false && "an accepted body cannot be serialised");
  }
  return 0;
}
