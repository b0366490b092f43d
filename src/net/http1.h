// HTTP/1.1 message syntax (RFC 9112) for detour's own server and client: head parsing,
// body framing decisions, keep-alive, an incremental chunked decoder, and serialisers.
// Pure: no I/O, no threads, no allocation beyond the outputs. Free functions are
// reentrant; a ChunkedDecoder belongs to one message (not thread-safe).
//
// Strictness is deliberate (request smuggling): obs-fold, whitespace before ':', bare CR,
// control characters in values, TE together with CL, and conflicting CLs are errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_client.h"  // Headers
#include "util/expected.h"

namespace detour::net::http1 {

constexpr size_t kMaxHeadBytes = 64 * 1024;  // request line/status line + headers
constexpr size_t kMaxChunkLineBytes = 4 * 1024;  // chunk-size line incl. extensions
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 62;
constexpr int kMaxLeadingEmptyLines = 4;  // tolerated before a request line

enum class ParseStatus { kIncomplete, kDone, kError, kTooLarge };

struct RequestHead {
  std::string method;
  std::string target;
  int minor_version = 1;
  Headers headers;
};

struct ResponseHead {
  int status = 0;
  int minor_version = 1;
  std::string reason;
  Headers headers;
};

// Parse a head at the start of buf. kDone sets *consumed = bytes of the head including the
// terminating blank line (and any skipped leading empty lines). kIncomplete while the blank
// line has not arrived and buf is under kMaxHeadBytes, else kTooLarge (also when the head
// is complete but longer than kMaxHeadBytes). kError sets *error to a short reason. CRLF
// and bare LF line ends are both accepted. Header names keep their case; values are
// trimmed of spaces/tabs. *out is overwritten (its string storage is reused, so keeping
// one head per connection saves allocations); its content is unspecified unless kDone.
ParseStatus ParseRequestHead(std::string_view buf, RequestHead* out, size_t* consumed,
                             std::string* error);
ParseStatus ParseResponseHead(std::string_view buf, ResponseHead* out, size_t* consumed,
                              std::string* error);
// Same, for a caller re-parsing one growing buffer as bytes arrive: *resume (0 for a new
// connection) is where the search for the blank line restarts, so a head trickled in tiny
// reads is scanned once rather than once per read. Updated on kIncomplete and reset to 0
// on kDone, so one variable per connection serves every head, provided the buffer only
// grows between calls (its consumed prefix is dropped only after kDone).
ParseStatus ParseRequestHead(std::string_view buf, RequestHead* out, size_t* consumed,
                             std::string* error, size_t* resume);
ParseStatus ParseResponseHead(std::string_view buf, ResponseHead* out, size_t* consumed,
                              std::string* error, size_t* resume);

// Case-insensitive lookup, first match; nullptr when absent.
const std::string* FindHeader(const Headers& h, std::string_view name);
// Whether a comma-separated header (Connection, Transfer-Encoding, ...) contains token,
// case-insensitive, across every field line with that name.
bool HeaderHasToken(const Headers& h, std::string_view name, std::string_view token);

struct BodyFraming {
  enum Kind { kNone, kLength, kChunked, kUntilClose } kind = kNone;
  uint64_t length = 0;  // kLength only; never 0 (Content-Length: 0 is kNone)
};

// Request body framing (RFC 9112 6.3): Transfer-Encoding ending in chunked -> kChunked;
// other Transfer-Encoding, TE with Content-Length, bad or conflicting Content-Length ->
// error; Content-Length n > 0 -> kLength; otherwise kNone.
Expected<BodyFraming, std::string> RequestFraming(const Headers& h);
// Response framing: HEAD request, 1xx, 204, 304, 2xx to CONNECT -> kNone; Transfer-Encoding
// ending in chunked -> kChunked (other TE -> kUntilClose); Content-Length -> kLength (0 ->
// kNone; invalid -> error); otherwise kUntilClose.
Expected<BodyFraming, std::string> ResponseFraming(std::string_view request_method, int status,
                                                   const Headers& h);

// Keep-alive per RFC 9112 9.3: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with
// "Connection: keep-alive" (and no close).
bool KeepAlive(int minor_version, const Headers& h);

// Incremental chunked-body decoder. Feed any split (even 1 byte at a time). Appends the
// payload to *out and sets *consumed to the bytes of `data` it used; it stops right after
// the final line of the trailer section, so bytes of a next message stay unconsumed.
// Chunk extensions are ignored, trailers skipped, hex sizes case-insensitive, bare LF
// accepted. Size lines over kMaxChunkLineBytes, sizes over kMaxChunkSize, or trailers over
// kMaxHeadBytes -> kError (sticky). After kDone, Feed consumes nothing and returns kDone.
class ChunkedDecoder {
 public:
  enum class Status { kNeedMore, kDone, kError };
  Status Feed(const char* data, size_t size, size_t* consumed, std::string* out);
  bool done() const { return state_ == State::kDone; }
  // Short reason once Feed returned kError; empty otherwise.
  std::string_view error() const { return error_; }

 private:
  enum class State {
    kSize, kSizeWs, kExt, kSizeLf, kData, kDataCr, kDataLf,
    kTrailerStart, kTrailerLine, kTrailerEndLf, kDone, kError,
  };
  bool Step(char c);
  bool SizeLineByte(char c);
  bool TrailerByte(char c);
  void StartSizeLine();
  bool SetError(const char* why);
  bool Go(State next) {
    state_ = next;
    return true;
  }

  State state_ = State::kSize;
  uint64_t size_ = 0;         // of the chunk being read (or its remaining bytes in kData)
  size_t digits_ = 0;         // hex digits seen on the current size line
  size_t line_bytes_ = 0;     // bytes of the current size line
  size_t trailer_bytes_ = 0;  // bytes of the trailer section so far
  const char* error_ = "";
};

// "OK", "Not Found", ... for the statuses a gateway sends (100 200 201 204 400 401 403 404
// 405 408 409 411 413 415 422 429 431 500 501 502 503 504); "Unknown" otherwise.
std::string_view ReasonPhrase(int status);

// Appends one chunk in chunked transfer coding ("<hex>\r\n<data>\r\n"); nothing for empty
// data (an empty chunk would end the body).
void AppendChunk(std::string& out, std::string_view data);
// A chunk's size line ("<hex>\r\n") for `size` bytes of data, written into `buf`: for a
// gathered write of line, data and "\r\n" without copying the data.
std::string_view ChunkSizeLine(size_t size, char (&buf)[24]);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// The header injection guard: the name is a token and the value holds no CR, LF or NUL.
bool SafeHeaderField(std::string_view name, std::string_view value);

// Append "METHOD target HTTP/1.1\r\n" / "HTTP/1.1 <status> <reason>\r\n", the header lines
// and the blank line. Header injection guard: returns false and leaves out unchanged if
// the method or a header name is not a token, the target is empty or holds whitespace or
// controls, or a value holds CR, LF or NUL. The caller adds framing headers itself.
bool AppendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const Headers& h);
bool AppendResponseHead(std::string& out, int status, const Headers& h);
// The line-level pieces, for a caller that assembles a head from several sources without
// copying them into one Headers (it ends the head with "\r\n" itself). Same guard; a
// false return leaves out unchanged.
bool AppendRequestLine(std::string& out, std::string_view method, std::string_view target);
bool AppendStatusLine(std::string& out, int status);  // false (out unchanged) outside 100-599
bool AppendHeaderLine(std::string& out, std::string_view name, std::string_view value);

}  // namespace detour::net::http1
