#include "net/response_writers.h"

#include <charconv>
#include <exception>
#include <string>

#include "net/http1.h"
#include "util/fiber.h"
#include "util/fiber_defer.h"
#include "util/log.h"

namespace detour::net {
namespace {

fiber::TimePoint In(std::chrono::seconds s) { return fiber::Clock::now() + s; }

// Chunked body pieces straight to the socket; false once the client has gone.
class SocketBodyWriter : public BodyWriter {
 public:
  explicit SocketBodyWriter(Socket& sock) : sock_(sock) {}
  bool Write(std::string_view data) override {
    if (failed_) return false;
    if (data.empty()) return true;
    // The chunk's size line, the data as it is, and its CRLF: one system call, no copy.
    char line[24];
    failed_ = sock_.WriteParts({http1::ChunkSizeLine(data.size(), line), data, "\r\n"},
                               In(kServerIoTimeout)) != IoStatus::kOk;
    return !failed_;
  }
  void Cut(bool reset) override {
    cut_ = true;
    if (reset) sock_.ResetOnClose();
  }
  // Bytes already framed as chunks (DeferredWriter's coalesced writes).
  bool WriteFramed(std::string_view framed) {
    if (failed_) return false;
    failed_ = sock_.WriteAll(framed, In(kServerIoTimeout)) != IoStatus::kOk;
    return !failed_;
  }
  bool failed() const { return failed_; }
  bool cut() const { return cut_; }

 private:
  Socket& sock_;
  bool failed_ = false;
  bool cut_ = false;
};

// The writer a DeferredResponse gets: a head (chunked) then body pieces, or one whole
// response, on the connection's socket.
//
// Body pieces written between two waits of the writing fiber go out in one system call:
// Write frames the piece into a buffer and arms a hook (util/fiber_defer.h) that sends the
// buffer when that fiber is about to block (or ends). A stream's events that came in one
// upstream read leave in one send, with no delay: the fiber blocks right after it has
// handed on what it read. A failed send shows at the next Write.
class DeferredWriter final : public ResponseWriter, private fiber::BeforeBlock {
 public:
  DeferredWriter(Socket& sock, bool keep_alive) : sock_(sock), keep_alive_(keep_alive), body_(sock) {}
  ~DeferredWriter() { fiber::CancelDeferred(this); }
  bool Begin(ServerResponse& head) override;
  bool Answer(ServerResponse& res) override;
  bool Write(std::string_view data) override;
  void Cut(bool reset) override {
    Flush();  // what was written goes out before the body is left unfinished
    body_.Cut(reset);
  }
  // Sends what is buffered, with the last chunk when `last` (one send for both).
  bool Flush(bool last = false);
  bool begun() const { return begun_; }
  bool answered() const { return answered_; }
  // A begun body that may be ended normally: every write went out and none was cut.
  bool body_intact() const { return ok_ && !body_.failed() && !body_.cut(); }
  bool ok() const { return ok_; }

 private:
  void BeforeBlocking() override { Flush(); }

  Socket& sock_;
  bool keep_alive_;
  SocketBodyWriter body_;
  std::string pending_;  // framed chunks not sent yet
  bool begun_ = false;
  bool answered_ = false;
  bool ok_ = false;
};

bool DeferredWriter::Write(std::string_view data) {
  if (!begun_ || !ok_ || body_.failed()) return false;
  if (data.empty()) return true;
  char line[24];
  pending_.append(http1::ChunkSizeLine(data.size(), line)).append(data).append("\r\n", 2);
  // Outside a fiber nothing can be put off; a large backlog goes out at once.
  constexpr size_t kMaxPending = 64 * 1024;
  if (pending_.size() >= kMaxPending || !fiber::DeferUntilBlocking(this)) return Flush();
  return true;
}

bool DeferredWriter::Flush(bool last) {
  fiber::CancelDeferred(this);
  if (last) pending_.append(http1::kLastChunk);
  if (pending_.empty()) return !body_.failed();
  // Swapped out first: the send may wait, and nothing may touch the bytes in flight.
  std::string out;
  out.swap(pending_);
  bool sent = body_.WriteFramed(out);
  if (pending_.empty()) {  // keep the buffer's capacity for the next writes
    out.clear();
    pending_.swap(out);
  }
  return sent;
}

bool DeferredWriter::Begin(ServerResponse& head) {
  if (begun_ || answered_) return false;
  begun_ = true;
  ok_ = SendResponseHead(sock_, head, keep_alive_, /*chunked=*/true, {});
  return ok_;
}

bool DeferredWriter::Answer(ServerResponse& res) {
  if (begun_ || answered_) return false;
  answered_ = true;
  ok_ = SendResponseHead(sock_, res, keep_alive_, /*chunked=*/false, res.body);
  return ok_;
}

}  // namespace

namespace {

// The status line, the handler's headers and the framing, written straight into `out`: one
// allocation for the whole head (pushing the framing onto res.headers cost two or three
// more per response, the vector's growth and the content type's copy). false, with a
// partial `out`, when a header would inject.
bool AppendHead(std::string& out, const ServerResponse& res, bool keep_alive, bool chunked,
                size_t body_size) {
  if (!http1::AppendStatusLine(out, res.status)) return false;
  for (const auto& [name, value] : res.headers)
    if (!http1::AppendHeaderLine(out, name, value)) return false;
  if (!res.content_type.empty() && !http1::AppendHeaderLine(out, "Content-Type", res.content_type))
    return false;
  if (chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, body_size).ptr;
    out.append("Content-Length: ").append(digits, end).append("\r\n", 2);
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n", 2);
  return true;
}

}  // namespace

bool SendResponseHead(Socket& sock, const ServerResponse& res, bool keep_alive, bool chunked,
                      std::string_view body) {
  std::string out;
  out.reserve(256);
  if (!AppendHead(out, res, keep_alive, chunked, body.size())) {
    // A handler produced a header that cannot be sent: a bug, not the client's fault.
    log::Error("a " + std::to_string(res.status) + " response has a header that cannot be sent");
    out.clear();
    http1::AppendResponseHead(out, 500, {{"Content-Length", "0"}, {"Connection", "close"}});
    sock.WriteAll(out, In(kServerIoTimeout));
    return false;
  }
  return sock.WriteParts({out, body}, In(kServerIoTimeout)) == IoStatus::kOk;
}

bool RespondStream(Socket& sock, ServerResponse& res, bool keep_alive) {
  if (!SendResponseHead(sock, res, keep_alive, /*chunked=*/true, {})) return false;
  SocketBodyWriter writer(sock);
  res.stream(writer);
  if (writer.failed() || writer.cut()) return false;
  return sock.WriteAll(http1::kLastChunk, In(kServerIoTimeout)) == IoStatus::kOk;
}

bool RespondDeferred(Socket& sock, ServerResponse& res, bool keep_alive) {
  DeferredWriter w(sock, keep_alive);
  // Like a handler, the continuation reports failures as values; one that throws costs
  // its own response (cut, or a 500 when nothing was sent yet), not the process.
  try {
    res.deferred(w);
  } catch (const std::exception& e) {
    log::Error(std::string("a deferred response failed: ") + e.what());
    if (w.begun()) {
      w.Flush();  // what was written still goes out; the body stays unfinished
      return false;  // truncated, never made to look finished
    }
  }
  if (w.answered()) return w.ok();
  if (!w.begun()) {
    ServerResponse error;
    error.status = 500;
    error.content_type = {};
    SendResponseHead(sock, error, false, false, {});
    return false;
  }
  if (!w.body_intact()) {
    w.Flush();  // a cut body still delivers what was written before the cut
    return false;
  }
  return w.Flush(/*last=*/true);
}

}  // namespace detour::net
