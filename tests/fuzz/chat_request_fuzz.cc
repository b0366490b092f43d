// Fuzz target: ParseChatRequest (server/openai_api.h), the entry point `serve` hands every
// POST /v1/chat/completions body to. The input is the body.
//
// Checked, beyond "no crash, no sanitizer report" (UBSan includes float-to-int overflow):
// - an accepted request has the model it named, and no detour-only field
//   (fallbacks, num_retries, timeout) left in the body that goes upstream;
// - the overrides are in range: num_retries >= 0, timeout > 0;
// - the body can be serialised again (it goes upstream as text) without throwing;
// - a rejected request says which way it is wrong (a message, a 4xx status).
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
  const detour::Json& json = req->body;
  FUZZ_CHECK(json.is_object());
  FUZZ_CHECK(json.contains("model") && json["model"].is_string());
  FUZZ_CHECK(json["model"].get<std::string>() == req->model);
  FUZZ_CHECK(json.contains("messages") && json["messages"].is_array() && !json["messages"].empty());
  FUZZ_CHECK(!json.contains("fallbacks") && !json.contains("num_retries") && !json.contains("timeout"));
  const auto& o = req->overrides;
  if (o.num_retries) FUZZ_CHECK(*o.num_retries >= 0);
  if (o.timeout) FUZZ_CHECK(o.timeout->count() > 0);
  try {
    std::string text = json.dump();
    FUZZ_CHECK(!text.empty());
  } catch (const std::exception& e) {
    FUZZ_CHECK(false && "an accepted body cannot be serialised");
  }
  return 0;
}
