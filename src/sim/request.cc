#include "sim/request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

namespace detour::sim {
namespace {

using nlohmann::json;

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

int IntField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

void ReadBody(const std::string& body, SimRequest& r) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception&) {
    r.error = "the request body is not valid JSON";
    r.error_status = 400;
    return;
  }
  if (!j.is_object()) {
    r.error = "the request body must be a JSON object";
    r.error_status = 400;
    return;
  }
  r.prompt_tokens = std::max<int>(1, static_cast<int>(body.size() / 4));
  r.arrival = FindArrivalTag(body);
  if (r.what == SimRequest::What::kEmbeddings) {
    auto in = j.find("input");
    if (in != j.end() && in->is_array()) r.inputs = std::max<int>(1, static_cast<int>(in->size()));
  }
  if (r.protocol == Protocol::kGemini) {
    auto gc = j.find("generationConfig");
    if (gc != j.end() && gc->is_object()) r.max_tokens = IntField(*gc, "maxOutputTokens");
    return;
  }
  if (r.protocol != Protocol::kAzure) {
    auto m = j.find("model");
    if (m != j.end() && m->is_string()) r.model = m->get<std::string>();
  }
  auto st = j.find("stream");
  r.stream = st != j.end() && st->is_boolean() && st->get<bool>();
  auto so = j.find("stream_options");
  if (so != j.end() && so->is_object()) {
    auto iu = so->find("include_usage");
    r.include_usage = iu != so->end() && iu->is_boolean() && iu->get<bool>();
  }
  r.max_tokens = IntField(j, "max_completion_tokens");
  if (!r.max_tokens) r.max_tokens = IntField(j, "max_tokens");
  if (r.model.empty() && r.what != SimRequest::What::kModels) {
    r.error = "you must provide a model parameter";
    r.error_status = 400;
  }
}

constexpr std::string_view kTagOpen = "[detour-arrival ";
// Far beyond any trace (about 30 years), and small enough that adding a run's elapsed time
// to it cannot overflow: `detour sim` reads tags from any client.
constexpr uint64_t kMaxTagMs = 1'000'000'000'000;

// Reads an unsigned decimal at `s[i]`, advancing `i`; false when there is none.
bool ReadNumber(std::string_view s, size_t& i, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), out);
  if (ec != std::errc() || end == s.data() + i) return false;
  i = static_cast<size_t>(end - s.data());
  return true;
}

}  // namespace

std::string ArrivalTag(uint64_t index, Millis at) {
  return std::string(kTagOpen) + std::to_string(index) + " @ " + std::to_string(at.count()) + "ms]";
}

std::optional<ScheduledArrival> FindArrivalTag(std::string_view body) {
  size_t i = body.find(kTagOpen);
  if (i == std::string_view::npos) return std::nullopt;
  i += kTagOpen.size();
  uint64_t index = 0, at = 0;
  if (!ReadNumber(body, i, index) || body.substr(i, 3) != " @ ") return std::nullopt;
  i += 3;
  if (!ReadNumber(body, i, at) || body.substr(i, 3) != "ms]" || at > kMaxTagMs) return std::nullopt;
  return ScheduledArrival{index, Millis(static_cast<int64_t>(at))};
}

std::string PercentEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

SimRequest ParseRequest(const std::string& method, const std::string& full_path,
                        const std::string& query, const std::string& body) {
  SimRequest r;
  std::string path = full_path;
  if (StartsWith(path, "/d/")) {
    size_t end = path.find('/', 3);
    if (end == std::string::npos) end = path.size();
    r.deployment = PercentDecode(path.substr(3, end - 3));
    path = path.substr(end);
  }
  using W = SimRequest::What;
  bool post = method == "POST";
  if (path == "/v1/chat/completions" && post) {
    r.what = W::kChat;
  } else if (path == "/v1/embeddings" && post) {
    r.what = W::kEmbeddings;
  } else if ((path == "/v1/models" || path == "/azure/openai/models" ||
              path == "/gemini/v1beta/models") &&
             method == "GET") {
    r.what = W::kModels;
    r.protocol = path[1] == 'a' ? Protocol::kAzure : path[1] == 'g' ? Protocol::kGemini : Protocol::kOpenAI;
    return r;
  } else if (path == "/anthropic/v1/messages" && post) {
    r.what = W::kChat;
    r.protocol = Protocol::kAnthropic;
  } else if (StartsWith(path, "/azure/openai/deployments/") && post) {
    r.protocol = Protocol::kAzure;
    std::string rest = path.substr(26);
    size_t slash = rest.find('/');
    std::string op = slash == std::string::npos ? "" : rest.substr(slash);
    r.model = PercentDecode(rest.substr(0, slash));
    r.what = op == "/chat/completions" ? W::kChat : op == "/embeddings" ? W::kEmbeddings : W::kUnknown;
    if (r.what != W::kUnknown && query.find("api-version=") == std::string::npos) {
      r.error = "Resource not found";  // what Azure answers without api-version
      r.error_status = 404;
      return r;
    }
  } else if (StartsWith(path, "/gemini/v1beta/models/") && post) {
    r.protocol = Protocol::kGemini;
    std::string rest = path.substr(22);
    size_t colon = rest.find(':');
    std::string op = colon == std::string::npos ? "" : rest.substr(colon + 1);
    r.model = PercentDecode(rest.substr(0, colon));
    if (op == "generateContent" || op == "streamGenerateContent") {
      r.what = W::kChat;
      r.stream = op == "streamGenerateContent";
    }
  }
  if (r.what == W::kUnknown) {
    r.error = "no such path: " + method + " " + full_path;
    r.error_status = 404;
    return r;
  }
  ReadBody(body, r);
  return r;
}

}  // namespace detour::sim
