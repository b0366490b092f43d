#include "server/error_response.h"
#include "server/stream_encoder.h"

namespace detour {
namespace {

class OpenAIStreamEncoder final : public StreamEncoder {
 public:
  // A fast-path chunk goes out as the upstream sent it (unless an edit dropped raw).
  std::string Chunk(const StreamChunk& c) override {
    std::string out;
    AppendChunk(c, out);
    return out;
  }
  void AppendChunk(const StreamChunk& c, std::string& out) override {
    if (c.raw.empty()) {
      out.append("data: ").append(c.data.dump()).append("\n\n");
      return;
    }
    out.reserve(out.size() + c.raw.size() + 8);
    out.append("data: ").append(c.raw).append("\n\n");
  }
  std::string Done(const StreamEnd&) override { return "data: [DONE]\n\n"; }
  std::string Failed(const RouteFailure& f) override { return StreamErrorEvent(f); }
};

}  // namespace

std::unique_ptr<StreamEncoder> MakeOpenAIStreamEncoder() { return std::make_unique<OpenAIStreamEncoder>(); }

}  // namespace detour
