// SSE decoding: a line splitter that survives any split of the byte stream, and the
// field rules of provider-protocols.md section 1.
#include "net/sse.h"

#include <cstring>
#include <string_view>

namespace detour::net {
namespace {

// The first \r or \n at or after `pos`, or npos: two vectorised scans (string_view's
// find_first_of calls memchr over the set once per byte of input).
size_t LineEnd(std::string_view in, size_t pos) {
  const char* begin = in.data() + pos;
  size_t n = in.size() - pos;
  const void* nl = std::memchr(begin, '\n', n);
  size_t limit = nl ? static_cast<size_t>(static_cast<const char*>(nl) - begin) : n;
  const void* cr = std::memchr(begin, '\r', limit);
  if (cr) return pos + static_cast<size_t>(static_cast<const char*>(cr) - begin);
  return nl ? pos + limit : std::string_view::npos;
}

}  // namespace

bool SseParser::Feed(const char* data, size_t size, const EventFn& on_event) {
  std::string_view in(data, size);
  size_t pos = 0;
  // A \r ending the previous Feed may pair with a \n starting this one: one line end.
  if (last_was_cr_ && !in.empty()) {
    last_was_cr_ = false;
    if (in[0] == '\n') pos = 1;
  }
  while (pos < in.size()) {
    size_t end = LineEnd(in, pos);
    if (end == std::string_view::npos) {
      line_.append(in.substr(pos));
      return true;
    }
    // A line wholly inside this read is parsed where it lies; only one split across reads
    // is gathered in line_ (whose buffer is kept: no allocation per line).
    std::string_view line = in.substr(pos, end - pos);
    if (!line_.empty()) {
      line_.append(line);
      line = line_;
    }
    pos = end + 1;
    if (in[end] == '\r') {
      if (pos < in.size()) {
        if (in[pos] == '\n') ++pos;
      } else {
        last_was_cr_ = true;  // the \n, if any, comes with the next Feed
      }
    }
    bool keep = ProcessLine(line, on_event);
    line_.clear();
    if (!keep) return false;
  }
  return true;
}

bool SseParser::Finish(const EventFn& on_event) {
  last_was_cr_ = false;
  if (!line_.empty()) {
    // Lenient: a last line without its line end still counts (python-genai flushes too).
    std::string line = std::move(line_);
    line_.clear();
    if (!ProcessLine(line, on_event)) return false;
  }
  return Dispatch(on_event);
}

bool SseParser::ProcessLine(std::string_view line, const EventFn& on_event) {
  if (line.empty()) return Dispatch(on_event);
  if (line[0] == ':') return true;  // comment / keep-alive
  std::string_view field = line;
  std::string_view value;
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
    has_field_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
    has_field_ = true;
  } else if (field == "id" || field == "retry") {
    has_field_ = true;  // recognised but unused: still makes the event dispatchable
  }
  return true;  // unknown fields are ignored
}

bool SseParser::Dispatch(const EventFn& on_event) {
  if (!has_field_) return true;
  // Handed over in place and cleared after: its buffers serve the next event too.
  bool keep = on_event(pending_);
  pending_.event.clear();
  pending_.data.clear();
  has_data_ = false;
  has_field_ = false;
  return keep;
}

}  // namespace detour::net
