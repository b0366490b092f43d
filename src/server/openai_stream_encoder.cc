#include "server/error_response.h"
#include "server/stream_encoder.h"

namespace detour {
namespace {

class OpenAIStreamEncoder final : public StreamEncoder {
 public:
  std::string Chunk(const StreamChunk& c) override { return "data: " + c.data.dump() + "\n\n"; }
  std::string Done(const StreamEnd&) override { return "data: [DONE]\n\n"; }
  std::string Failed(const RouteFailure& f) override { return StreamErrorEvent(f); }
};

}  // namespace

std::unique_ptr<StreamEncoder> MakeOpenAIStreamEncoder() { return std::make_unique<OpenAIStreamEncoder>(); }

}  // namespace detour
