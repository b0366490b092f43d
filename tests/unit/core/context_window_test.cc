// The pre-flight estimate (core/context_window.h): what it counts, what it leaves out,
// and the built-in windows.
#include <doctest/doctest.h>

#include "core/context_window.h"

namespace detour {
namespace {

TEST_CASE("the prompt estimate counts text bytes / 4, rounded up") {
  Json body = {{"messages",
                {{{"role", "system"}, {"content", std::string(40, 'a')}},
                 {{"role", "user"}, {"content", std::string(41, 'b')}}}}};
  CHECK(EstimatePromptTokens(body) == 21);  // 81 bytes
  CHECK(EstimatePromptTokens(Json::object()) == 0);
  CHECK(EstimatePromptTokens(Json("not an object")) == 0);
}

TEST_CASE("text parts and tool-call arguments count; images do not") {
  Json body = {{"messages",
                {{{"role", "user"},
                  {"content",
                   {{{"type", "text"}, {"text", std::string(8, 'x')}},
                    {{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64," + std::string(4000, 'A')}}}}}}},
                 {{"role", "assistant"},
                  {"content", nullptr},
                  {"tool_calls", {{{"id", "c1"}, {"type", "function"},
                                   {"function", {{"name", "f"}, {"arguments", std::string(8, '{')}}}}}}}}}};
  CHECK(EstimatePromptTokens(body) == 4);  // 16 bytes of text
}

TEST_CASE("tool definitions count as their JSON") {
  Json tools = Json::array({{{"type", "function"}, {"function", {{"name", "lookup"}}}}});
  Json body = {{"messages", Json::array()}, {"tools", tools}};
  CHECK(EstimatePromptTokens(body) == static_cast<int64_t>((tools.dump().size() + 3) / 4));
}

TEST_CASE("built-in windows: the longest known prefix wins; unknown models have none") {
  CHECK(KnownContextWindow("gpt-4o") == 128000);
  CHECK(KnownContextWindow("gpt-4o-mini-2024-07-18") == 128000);
  CHECK(KnownContextWindow("gpt-4.1-nano") == 1047576);
  CHECK(KnownContextWindow("claude-3-5-sonnet-20241022") == 200000);
  CHECK(KnownContextWindow("gemini-1.5-pro-002") == 2097152);
  CHECK(KnownContextWindow("llama3") == 0);
  CHECK(KnownContextWindow("") == 0);
}

TEST_CASE("a prompt is clearly over only past the 10% margin; no window, no check") {
  CHECK_FALSE(ClearlyExceeds(1000, 1000));
  CHECK_FALSE(ClearlyExceeds(1100, 1000));
  CHECK(ClearlyExceeds(1101, 1000));
  CHECK_FALSE(ClearlyExceeds(1 << 30, 0));
}

}  // namespace
}  // namespace detour
