// The same-protocol fast path gives what the DOM path gives (issue #20), over a corpus of
// requests, answers and stream chunks: plain ones (where the fast path must engage, or the
// test fails), unicode and escapes, usage in every shape, error bodies, malformed text,
// duplicate and escaped keys (where it must decline). Each is compared by
// support/fast_path_diff.h; the whole serve pipeline is compared end to end by
// tests/e2e/fast_path.test.mjs.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/fast_path_diff.h"

namespace detour {
namespace {

using testing::ChunkDiff;
using testing::CompletionDiff;
using testing::RequestDiff;

const std::vector<std::string> kPlainRequests = {
    R"({"model":"g","messages":[{"role":"user","content":"hi"}]})",
    R"({"model":"g","messages":[{"role":"user","content":"hi"}],"stream":true})",
    R"({"model":"g","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false,"x":1}})",
    R"({"model":"g","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})",
    R"({"model":"g","messages":[{"role":"user","content":"hi"}],"stream":false,"stream_options":{"include_usage":true}})",
    R"({"model":"g","messages":[{"role":"user","content":"hi"}],"stream":null,"stream_options":null,"max_tokens":null})",
    R"({"messages":[{"role":"user","content":"x"}],"fallbacks":["a","b"],"num_retries":3,"timeout":2.5,"model":"g"})",
    R"({"model":"g","messages":[{"role":"user","content":"x"}],"fallbacks":null,"num_retries":null,"timeout":null})",
    R"({"model":"g","messages":[{"role":"user","content":"x"}],"num_retries":18446744073709551615,"timeout":1e300})",
    R"({"model":"g","messages":[{"role":"user","content":"x"}],"n":3,"temperature":1e-7,"top_p":1,"max_tokens":16})",
    R"({"model":"g","messages":[{"role":"user","content":"x"}],"n":-4,"max_completion_tokens":0})",
    // unicode and escapes in values, nested keys, the model name
    R"({"model":"gr\u00fcn \"q\" \\ \/","messages":[{"role":"user","content":"h\u00e9llo \ud83d\ude00 \n\t\"x\" caf\u00e9 中文 😀"}]})",
    R"({"model":"g","messages":[{"role":"user","content":[{"type":"text","text":"a\u0000b"}]},{"r\u006fle":"x","role":"assistant","content":null}]})",
    // a repeated role inside a message: the last counts in both
    R"({"model":"g","messages":[{"role":1,"role":"user","content":"x"}]})",
    // whitespace and pretty-printing anywhere
    "  {\n  \"model\" : \"g\" ,\n  \"messages\" : [ { \"role\" : \"user\" , \"content\" : \"x\" } ] ,\n  \"stream\" : true ,\n  \"stream_options\" : { \"x\" : [ 1 , 2 ] , \"include_usage\" : false }\n}\n",
    // tools and everything else pass through
    R"({"model":"g","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"tool_choice":"auto","response_format":{"type":"json_object"},"logit_bias":{"1":-100},"user":"u","seed":7,"stop":["\n"],"x_custom":{"deep":[[[1]]]}})",
};

const std::vector<std::string> kDeclinedRequests = {
    R"({"model":"a","model":"b","messages":[{"role":"user","content":"x"}]})",   // duplicate key
    R"({"mod\u0065l":"g","messages":[{"role":"user","content":"x"}]})",          // escaped key
    R"({"model":"g","messages":[{"role":"user","content":"x"}],"max_tokens":123456789012345678901234567890})",
};

const std::vector<std::string> kBadRequests = {
    "", "{not json", "[1,2]", "null", R"({"messages":[]})", R"({"model":3,"messages":[]})",
    R"({"model":"m"})", R"({"model":"m","messages":{}})", R"({"model":"m","messages":[]})",
    R"({"model":"m","messages":["hi"]})", R"({"model":"m","messages":[{"role":"user"},{"content":"x"}]})",
    R"({"model":"m","messages":[{"role":"user"}],"stream":"yes"})",
    R"({"model":"m","messages":[{"role":"user"}],"stream_options":[]})",
    R"({"model":"m","messages":[{"role":"user"}],"max_tokens":1.5})",
    R"({"model":"m","messages":[{"role":"user"}],"fallbacks":[1]})",
    R"({"model":"m","messages":[{"role":"user"}],"timeout":-1})",
    R"({"model":"m","messages":[{"role":"user"}],"timeout":0})",
    R"({"model":"m","messages":[{"role":"user"}],"num_retries":-2})",
    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",  // not UTF-8
    R"({"model":"m","messages":[{"role":"user"}]} trailing)",
    std::string(200, '[') + std::string(200, ']'),
};

TEST_CASE("fast path: plain requests are read without a DOM and agree with the DOM path") {
  for (const auto& body : kPlainRequests) {
    CAPTURE(body);
    auto fast = ParseChatRequest(body);
    REQUIRE(fast.ok());
    CHECK(fast->raw != nullptr);  // the fast path engaged
    CHECK(fast->body.is_null());
    CHECK(RequestDiff(body) == "");
  }
}

TEST_CASE("fast path: unusual requests go to the DOM path, which answers as before") {
  for (const auto& body : kDeclinedRequests) {
    CAPTURE(body);
    CHECK_FALSE(ParseChatRequestFast(body).has_value());
    auto r = ParseChatRequest(body);
    auto dom = testing::WithDomPath([&] { return ParseChatRequest(body); });
    REQUIRE(r.ok() == dom.ok());
    if (r.ok()) CHECK(r->body == dom->body);
  }
  for (const auto& body : kBadRequests) {
    CAPTURE(body);
    CHECK_FALSE(ParseChatRequestFast(body).has_value());
    auto r = ParseChatRequest(body);
    auto dom = testing::WithDomPath([&] { return ParseChatRequest(body); });
    REQUIRE_FALSE(r.ok());
    REQUIRE_FALSE(dom.ok());
    CHECK(r.error().message == dom.error().message);
    CHECK(r.error().param == dom.error().param);
  }
}

TEST_CASE("fast path: the spliced upstream body") {
  auto r = ParseChatRequest(
      R"({"fallbacks":["b"],"model":"g","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"x":1,"include_usage":false},"timeout":3})");
  REQUIRE(r.ok());
  REQUIRE(r->raw);
  // Member order is the client's; detour-only fields gone; include_usage forced on.
  CHECK(openai::SpliceBody(*r->raw, "gpt-4o", true) ==
        R"({"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"x":1,"include_usage":true}})");
  CHECK(openai::SpliceBody(*r->raw, "gpt-4o", false) ==
        R"({"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"stream":false})");
  auto plain = ParseChatRequest(R"({"model":"g","messages":[{"role":"user","content":"x"}]})");
  CHECK(openai::SpliceBody(*plain->raw, "m \"q\"", true) ==
        R"({"model":"m \"q\"","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}})");
}

const std::vector<std::string> kPlainAnswers = {
    R"({"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})",
    R"({"id":"c1","choices":[],"usage":{"prompt_tokens":9.9,"completion_tokens":1e30,"prompt_tokens_details":{"cached_tokens":4}}})",
    R"({"id":"c1","choices":[],"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":-3}})",
    R"({"id":"c1","model":"","choices":[]})",
    R"({"id":"c1","model":7,"usage":"none","choices":[]})",
    R"({"error":null,"model":"m","choices":[{"message":{"content":"caf\u00e9 😀 \"\\\n"}}]})",
    R"({"error":false,"choices":[]})",
    "{}",
};

TEST_CASE("fast path: answers are read without a DOM and agree with the DOM path") {
  for (const auto& body : kPlainAnswers) {
    CAPTURE(body);
    auto fast = openai::ScanCompletion(body, "fallback-model");
    REQUIRE(fast.has_value());
    CHECK(fast->raw == body);  // forwarded as received
    CHECK(CompletionDiff(body) == "");
  }
  auto r = openai::ScanCompletion(kPlainAnswers[1], "x");
  CHECK(r->usage.prompt_tokens == 9);
  CHECK(r->usage.completion_tokens == INT64_MAX);  // clamped, not undefined
  CHECK(r->usage.cached_tokens == 4);
  CHECK(openai::ScanCompletion(kPlainAnswers[3], "fb")->model == "fb");
}

TEST_CASE("fast path: error bodies and malformed answers are left to the DOM path") {
  for (std::string body : {R"({"error":{"message":"overloaded","type":"server_error","code":"x"}})",
                           R"({"error":"boom","choices":[]})", R"({"error":true})",
                           R"({"usage":{},"usage":{"prompt_tokens":1}})", "not json", "[]", "",
                           R"({"a":1)", "{\"a\":\"\xc3\x28\"}"}) {
    CAPTURE(body);
    CHECK_FALSE(openai::ScanCompletion(body, "m").has_value());
    CHECK(CompletionDiff(body) == "");
  }
}

const std::vector<std::string> kPlainChunks = {
    R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"H\u00e9 😀 \"\\"},"finish_reason":null}],"usage":null})",
    R"({"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})",
    R"({"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":3}}})",
    R"({"usage":{"prompt_tokens":9},"id":"c1","choices":[]})",
    R"({"id":"c1","choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"delta":{"content":"a"},"finish_reason":"length"}]})",
    R"({"id":"c1","choices":[{"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{}"}}]}}]})",
    R"({"id":"c1","choices":[{"delta":{"refusal":"no"}},"junk",{"index":"2","finish_reason":"stop"}]})",
    R"({"id":"c1","choices":[{"delta":{"function_call":{"name":"f"}},"finish_reason":""}]})",
    R"({"id":"c1","choices":[{"delta":"text","finish_reason":7}],"model":null})",
    R"({"choices":[],"created":0,"id":"","model":"","prompt_filter_results":[{"prompt_index":0}]})",  // filter only
    R"({"choices":[{"index":0,"delta":{"content":"x","content":"y"}}]})",  // repeated nested key: last wins
};

TEST_CASE("fast path: chunks are read without a DOM and agree with the DOM path") {
  for (const auto& data : kPlainChunks) {
    CAPTURE(data);
    auto fast = openai::ScanChunk(data);
    REQUIRE(fast.has_value());
    if (!fast->filter_only) CHECK(fast->chunk.raw == data);
    CHECK(fast->chunk.data.is_null());
    CHECK(ChunkDiff(data) == "");
  }
  CHECK(openai::ScanChunk(kPlainChunks[11])->chunk.text == "y");
}

TEST_CASE("fast path: error chunks, malformed chunks and odd keys are left to the DOM path") {
  for (std::string data : {R"({"error":{"message":"overloaded","type":"server_error"}})", R"({"error":"x"})",
                           "not json", "[1]", R"({"choices":[]} x)",
                           R"({"usage":null,"usage":{"prompt_tokens":1},"choices":[]})",
                           R"({"us\u0061ge":null,"choices":[{"delta":{"content":"x"}}]})",
                           "{\"choices\":\n[]}", "{\"a\":\"\xed\xa0\x80\"}"}) {
    CAPTURE(data);
    CHECK_FALSE(openai::ScanChunk(data).has_value());
    CHECK(ChunkDiff(data) == "");
  }
}

TEST_CASE("fast path: the gate's usage removal splices the member out") {
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {R"({"id":"c","choices":[],"usage":null})", R"({"id":"c","choices":[]})"},
           {R"({"usage":null,"id":"c"})", R"({"id":"c"})"},
           {R"({"id":"c","usage":{"a":[1,{"b":"}"}]},"x":1})", R"({"id":"c","x":1})"},
           {R"({"usage":1})", R"({})"},
           {R"({"id":"usage"})", R"({"id":"usage"})"}}) {
    StreamChunk c;
    c.raw = in;
    EraseChunkMember(c, "usage");
    CHECK(c.raw == out);
  }
}

TEST_CASE("fast path: the encoder forwards a fast chunk's bytes; an edit falls back to the DOM") {
  auto fast = openai::ScanChunk(kPlainChunks[1]);
  REQUIRE(fast);
  StreamChunk& c = fast->chunk;
  CHECK(ChunkJson(c)["id"] == "c1");
  CHECK(c.raw == kPlainChunks[1]);  // reading keeps the bytes
  MutableChunkJson(c)["id"] = "c2";
  CHECK(c.raw.empty());             // an edit drops them: the DOM goes out
  CHECK(c.data["id"] == "c2");
}

TEST_CASE("fast path: switched off, nothing is read fast") {
  fastjson::SetEnabled(false);
  CHECK_FALSE(ParseChatRequestFast(kPlainRequests[0]).has_value());
  CHECK_FALSE(openai::ScanCompletion(kPlainAnswers[0], "m").has_value());
  CHECK_FALSE(openai::ScanChunk(kPlainChunks[0]).has_value());
  auto r = ParseChatRequest(kPlainRequests[0]);
  fastjson::SetEnabled(true);
  REQUIRE(r.ok());
  CHECK(r->raw == nullptr);
}

}  // namespace
}  // namespace detour
