// Gemini's wire format for every conformance scenario (provider-protocols.md 5.3-5.5):
// generateContent answers, `alt=sse` streams (each event a whole response; usageMetadata
// cumulative; functionCall args as objects; finishReason STOP even for tool calls; no
// [DONE]) and Google's error envelopes. Shared by the gemini and vertex suites, which
// differ only in URL and credential.
#pragma once

#include <string>

#include "conformance.h"

namespace detour::conformance {

inline std::string GeminiUsage(int prompt, int candidates, int thoughts = 0) {
  std::string u = R"("usageMetadata":{"promptTokenCount":)" + std::to_string(prompt);
  if (candidates) u += R"(,"candidatesTokenCount":)" + std::to_string(candidates);
  if (thoughts) u += R"(,"thoughtsTokenCount":)" + std::to_string(thoughts);
  return u + R"(,"totalTokenCount":)" + std::to_string(prompt + candidates + thoughts) + "}";
}

inline std::string GeminiAnswer(const std::string& parts, const std::string& usage,
                                const std::string& finish = R"(,"finishReason":"STOP")") {
  return R"({"candidates":[{"content":{"role":"model","parts":[)" + parts + "]}" + finish +
         R"(,"index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"}]}],)" +
         usage + R"(,"modelVersion":"gemini-2.5-flash","responseId":"mAitaJ2vN8e0nvgP3uL9mQk"})";
}

inline std::string GeminiCall(const std::string& city, const std::string& signature = "") {
  std::string part = R"({"functionCall":{"name":"get_weather","args":{"location":")" + city + R"("}})";
  if (!signature.empty()) part += R"(,"thoughtSignature":")" + signature + "\"";
  return part + "}";
}

inline std::string GeminiEvent(const std::string& json) { return "data: " + json + "\r\n\r\n"; }

inline std::string GoogleError(int code, const std::string& status, const std::string& message,
                               const std::string& details = "") {
  std::string e = R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
                  R"(","status":")" + status + "\"";
  if (!details.empty()) e += R"(,"details":[)" + details + "]";
  return e + "}}";
}

inline void AddGeminiFixtures(ProviderSuite& s) {
  const std::string hello = GeminiAnswer(R"({"text":"Hello!"})", GeminiUsage(10, 3));
  s.answers = {
      {"text", {200, {}, hello}},
      {"system", {200, {}, hello}},
      {"multi_turn", {200, {}, hello}},
      {"tools", {200, {}, GeminiAnswer(GeminiCall("Paris", "CpUBAVs0aG9ughtZ+/sig=="), GeminiUsage(20, 5, 3))}},
      {"tool_result", {200, {}, GeminiAnswer(R"({"text":"It is 18C "},{"text":"and sunny in Paris."})",
                                             GeminiUsage(30, 7, 2))}},
      {"parallel_tools", {200, {}, GeminiAnswer(GeminiCall("Paris") + "," + GeminiCall("Tokyo"), GeminiUsage(20, 16))}},
  };
  const std::string tail = R"(,"modelVersion":"gemini-2.5-flash","responseId":"abc"})";
  s.streams = {
      {"stream_text",
       {200, {}, GeminiEvent(R"({"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],)" +
                             GeminiUsage(10, 1) + tail) +
                     GeminiEvent(R"({"candidates":[{"content":{"parts":[{"text":"lo!"}],"role":"model"},"finishReason":"STOP","index":0}],)" +
                                 GeminiUsage(10, 3) + tail)}},
      {"stream_tools",
       {200, {}, GeminiEvent(R"({"candidates":[{"content":{"parts":[{"text":"Weather lookup.","thought":true}],"role":"model"},"index":0}],)" +
                             GeminiUsage(20, 0, 3) + tail) +
                     GeminiEvent(R"({"candidates":[{"content":{"parts":[)" + GeminiCall("Paris", "c2lnbmF0dXJl") +
                                 R"(],"role":"model"},"finishReason":"STOP","index":0}],)" + GeminiUsage(20, 5, 3) + tail)}},
  };
  const std::string retry = R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"})";
  const std::string per_minute = R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]})";
  const std::string per_day = R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]})";
  const std::string key_invalid = R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"})";
  const std::string blocked = R"({"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]},)" +
                              GeminiUsage(8, 0) + R"(,"modelVersion":"gemini-2.5-flash"})";
  net::Headers json = {{"content-type", "application/json; charset=UTF-8"}};
  s.errors = {
      {"429 RESOURCE_EXHAUSTED with RetryInfo", {429, json, GoogleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota. Please retry in 7.2s.", per_minute + "," + retry)},
       ErrorKind::kRateLimit, 7.0},
      {"429 without RetryInfo: the message's hint", {429, json, GoogleError(429, "RESOURCE_EXHAUSTED", "Resource exhausted. Please retry in 22.5s.")},
       ErrorKind::kRateLimit, 22.5},
      {"429 per-day quota is auth", {429, json, GoogleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", per_day)}, ErrorKind::kAuth, std::nullopt},
      {"400 API_KEY_INVALID is auth", {400, json, GoogleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", key_invalid)}, ErrorKind::kAuth, std::nullopt},
      {"403 PERMISSION_DENIED", {403, json, GoogleError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers")}, ErrorKind::kAuth, std::nullopt},
      {"404 NOT_FOUND", {404, json, GoogleError(404, "NOT_FOUND", "models/gemini-x is not found for API version v1beta")}, ErrorKind::kNotFound, std::nullopt},
      {"400 token limit", {400, json, GoogleError(400, "INVALID_ARGUMENT", "The input token count (1300000) exceeds the maximum number of tokens allowed (1048575).")},
       ErrorKind::kContextWindow, std::nullopt},
      {"400 other", {400, json, GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \\\"x\\\": Cannot find field.")}, ErrorKind::kBadRequest, std::nullopt},
      {"500 INTERNAL", {500, json, GoogleError(500, "INTERNAL", "An internal error has occurred.")}, ErrorKind::kServerError, std::nullopt},
      {"503 UNAVAILABLE", {503, json, GoogleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")}, ErrorKind::kServerError, std::nullopt},
      {"504 DEADLINE_EXCEEDED", {504, json, GoogleError(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")}, ErrorKind::kTimeout, std::nullopt},
      {"array-wrapped API_KEY_INVALID", {400, json, "[" + GoogleError(400, "INVALID_ARGUMENT", "API key not valid.", key_invalid) + "]"}, ErrorKind::kAuth, std::nullopt},
      {"array-wrapped 503", {503, json, "[" + GoogleError(503, "UNAVAILABLE", "The model is overloaded.") + "]"}, ErrorKind::kServerError, std::nullopt},
      {"prompt blocked before generation", {200, json, blocked}, ErrorKind::kContentPolicy, std::nullopt},
      {"200 without candidates", {200, json, "{" + GeminiUsage(8, 0) + "}"}, ErrorKind::kServerError, std::nullopt},
      {"malformed 200 body", {200, json, R"({"candidates":[{"content")"}, ErrorKind::kConnection, std::nullopt},
      {"prompt blocked in a stream", {200, {}, GeminiEvent(blocked)}, ErrorKind::kContentPolicy, std::nullopt, true},
      {"malformed stream event", {200, {}, "data: {\"candidates\":[{\"content\n\n"}, ErrorKind::kConnection, std::nullopt, true},
      {"error object inside a 200 stream", {200, {}, GeminiEvent(GoogleError(503, "UNAVAILABLE", "The model is overloaded."))},
       ErrorKind::kServerError, std::nullopt, true},
  };
}

}  // namespace detour::conformance
