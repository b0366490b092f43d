// HTTP/1.1 chunked transfer coding (RFC 9112 7.1): the incremental ChunkedDecoder and the
// AppendChunk serialiser declared in net/http1.h. Pure: no I/O, no threads; a decoder
// belongs to one message. Decoding is a byte-at-a-time state machine except for chunk
// data, which is copied in bulk.
#include "net/http1.h"

#include <algorithm>
#include <charconv>

namespace detour::net::http1 {

ChunkedDecoder::Status ChunkedDecoder::Feed(const char* data, size_t size, size_t* consumed,
                                            std::string* out) {
  size_t i = 0;
  while (i < size && state_ != State::kDone && state_ != State::kError) {
    if (state_ == State::kData) {  // bulk copy: the only per-payload-byte work
      size_t n = static_cast<size_t>(std::min<uint64_t>(size_, size - i));
      out->append(data + i, n);
      i += n;
      size_ -= n;
      if (size_ == 0) state_ = State::kDataCr;
      continue;
    }
    if (!Step(data[i++])) break;
  }
  *consumed = i;
  if (state_ == State::kError) return Status::kError;
  return state_ == State::kDone ? Status::kDone : Status::kNeedMore;
}

bool ChunkedDecoder::SetError(const char* why) {
  state_ = State::kError;
  error_ = why;
  return false;
}

void ChunkedDecoder::StartSizeLine() {
  state_ = State::kSize;
  size_ = 0;
  digits_ = 0;
  line_bytes_ = 0;
}

bool ChunkedDecoder::Step(char c) {
  switch (state_) {
    case State::kDataCr:
      if (c == '\r') return Go(State::kDataLf);
      [[fallthrough]];  // a bare LF ends the chunk too
    case State::kDataLf:
      if (c != '\n') return SetError("missing CRLF after chunk data");
      StartSizeLine();
      return true;
    case State::kTrailerStart:
    case State::kTrailerLine:
    case State::kTrailerEndLf:
      if (++trailer_bytes_ > kMaxHeadBytes) return SetError("chunked trailers too large");
      return TrailerByte(c);
    default:
      if (++line_bytes_ > kMaxChunkLineBytes) return SetError("chunk size line too long");
      return SizeLineByte(c);
  }
}

// chunk-size [ BWS ";" ext... ] CRLF. The extension text itself is ignored.
bool ChunkedDecoder::SizeLineByte(char c) {
  if (state_ == State::kSize) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d >= 0) {
      if (size_ > (kMaxChunkSize - static_cast<uint64_t>(d)) >> 4) {
        return SetError("chunk size too large");
      }
      size_ = size_ * 16 + static_cast<uint64_t>(d);
      ++digits_;
      return true;
    }
    if (digits_ == 0) return SetError("bad chunk size");
  }
  if (state_ == State::kSizeLf && c != '\n') return SetError("bad chunk size line");
  if (c == '\n') {
    state_ = size_ == 0 ? State::kTrailerStart : State::kData;
    return true;
  }
  if (c == '\r') return Go(State::kSizeLf);
  if (state_ == State::kExt) return true;
  if (c == ' ' || c == '\t') return Go(State::kSizeWs);
  if (c == ';') return Go(State::kExt);
  return SetError("bad chunk size line");
}

// trailer-section CRLF: skip field lines up to the empty one.
bool ChunkedDecoder::TrailerByte(char c) {
  switch (state_) {
    case State::kTrailerStart:
      if (c == '\n') return Go(State::kDone);
      state_ = c == '\r' ? State::kTrailerEndLf : State::kTrailerLine;
      return true;
    case State::kTrailerLine:
      if (c == '\n') state_ = State::kTrailerStart;
      return true;
    default:  // kTrailerEndLf
      if (c != '\n') return SetError("bad chunked trailer");
      state_ = State::kDone;
      return true;
  }
}

std::string_view ChunkSizeLine(size_t size, char (&buf)[24]) {
  char* end = std::to_chars(buf, buf + sizeof(buf) - 2, size, 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  return std::string_view(buf, static_cast<size_t>(end - buf));
}

void AppendChunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char line[24];
  std::string_view size_line = ChunkSizeLine(data.size(), line);
  out.reserve(out.size() + size_line.size() + data.size() + 2);
  out.append(size_line).append(data).append("\r\n", 2);
}

}  // namespace detour::net::http1
