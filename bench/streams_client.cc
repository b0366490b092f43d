// bench_streams_client: N concurrent streaming chat requests, each timed from the moment
// its request was written to its first event with a content token, checked for `expect` content deltas and
// a final `data: [DONE]`.
//
//   bench_streams_client --port P [--streams 1000] [--expect 64] [--model bench]
//       [--ramp-ms 1000] [--timeout-ms 60000] [--dump FILE]
//
// Stream i connects at i * ramp / N, so the streams pile up to N open at once (each lasts
// longer than the ramp) while every new one is timed against a gateway already carrying
// the others: the first-event latency of a stream under load, not the client's own
// connect queue (bench/streams.mjs, in node, timed from before connect, and its 1000
// simultaneous connects alone took ~1 s for nginx too). One thread, epoll, non-blocking
// sockets; HTTP/1.1 chunked responses decoded. Prints one JSON object on stdout with the
// same keys as streams.mjs (ttfb_ms is the first event). Benchmark tool only: not part
// of detour, not run by CI. Loopback only; every socket is closed before exit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int port = 0;
  int streams = 1000;
  int expect = 64;
  std::string model = "bench";
  int ramp_ms = 1000;
  int timeout_ms = 60000;
  std::string dump;  // --dump FILE: one line per stream (start ms, first-token ms, duration ms)
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") a->port = std::atoi(v.c_str());
    else if (k == "--streams") a->streams = std::atoi(v.c_str());
    else if (k == "--expect") a->expect = std::atoi(v.c_str());
    else if (k == "--model") a->model = v;
    else if (k == "--ramp-ms") a->ramp_ms = std::atoi(v.c_str());
    else if (k == "--timeout-ms") a->timeout_ms = std::atoi(v.c_str());
    else if (k == "--dump") a->dump = v;
    else return false;
  }
  return argc % 2 == 1 && a->port > 0 && a->streams > 0 && a->ramp_ms >= 0;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// One stream: the HTTP response (status line, headers, chunked body) and its SSE events.
struct Stream {
  int fd = -1;
  Clock::time_point started, written, first_event, ended;
  bool sent = false, has_first = false, head_done = false, finished = false;
  int status = 0, deltas = 0;
  bool done = false, error_event = false;
  std::string in;      // bytes not yet decoded
  std::string sse;     // decoded body not yet split into events
  size_t chunk_left = 0;
  bool in_chunk = false;
  std::string failure;

  void OnEvent(const std::string& ev) {
    if (ev.rfind("data: ", 0) != 0) return;
    std::string data = ev.substr(6);
    if (data == "[DONE]") {
      done = true;
      return;
    }
    if (data.find("\"error\"") != std::string::npos) error_event = true;
    size_t c = data.find("\"content\":\"");
    if (c == std::string::npos || data[c + 11] == '"') return;
    ++deltas;
    if (!has_first) {  // the first token: a gateway holds the role-only chunk until then
      has_first = true;
      first_event = Clock::now();
    }
  }

  void SplitEvents() {
    size_t at;
    while ((at = sse.find("\n\n")) != std::string::npos) {
      OnEvent(sse.substr(0, at));
      sse.erase(0, at + 2);
    }
  }

  // Decodes what arrived; false once the response is complete (or broken).
  bool Decode() {
    if (!head_done) {
      size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) return true;
      status = std::atoi(in.c_str() + 9);
      head_done = true;
      in.erase(0, end + 4);
      if (status != 200) {
        failure = "status " + std::to_string(status);
        return false;
      }
    }
    for (;;) {
      if (in_chunk) {
        size_t n = std::min(chunk_left, in.size());
        sse.append(in, 0, n);
        in.erase(0, n);
        chunk_left -= n;
        if (chunk_left > 0) break;
        if (in.size() < 2) break;
        in.erase(0, 2);  // CRLF after the data
        in_chunk = false;
        continue;
      }
      size_t eol = in.find("\r\n");
      if (eol == std::string::npos) break;
      chunk_left = std::strtoul(in.c_str(), nullptr, 16);
      in.erase(0, eol + 2);
      if (chunk_left == 0) {
        SplitEvents();
        return false;  // the last chunk
      }
      in_chunk = true;
    }
    SplitEvents();
    return true;
  }

  std::string Verdict(int expect) const {
    if (!failure.empty()) return failure;
    if (error_event) return "error event";
    if (deltas != expect) return "deltas " + std::to_string(deltas);
    if (!done) return "no [DONE]";
    return "ok";
  }
};

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = std::min(v.size(), std::max<size_t>(1, static_cast<size_t>(p / 100 * v.size() + 0.999999)));
  return v[rank - 1];
}

void PrintStats(const char* name, const std::vector<double>& v, bool comma) {
  std::printf("\"%s\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f, \"min\": %.1f}%s", name, Pct(v, 50),
              Pct(v, 99), v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()),
              v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()), comma ? ", " : "");
}

class Runner {
 public:
  explicit Runner(const Args& a) : a_(a), streams_(a.streams) {
    std::string json = "{\"model\":\"" + a.model +
                       "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    request_ = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  }
  ~Runner() { ::close(ep_); }

  void Run() {
    Clock::time_point t0 = Clock::now(), deadline = t0 + std::chrono::milliseconds(a_.timeout_ms);
    int next = 0, open = 0;
    std::vector<epoll_event> events(256);
    while ((next < a_.streams || open > 0) && Clock::now() < deadline) {
      Clock::time_point now = Clock::now();
      while (next < a_.streams && now >= Due(t0, next)) open += Start(next++) ? 1 : 0;
      int wait_ms = 50;
      if (next < a_.streams)
        wait_ms = std::max(0, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(Due(t0, next) - now).count()));
      int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), wait_ms);
      for (int i = 0; i < n; ++i)
        if (!Handle(streams_[events[i].data.u32], events[i].events)) --open;
      max_open_ = std::max(max_open_, open);
    }
    wall_ms_ = Ms(Clock::now() - t0);
    t0_ = t0;
    for (auto& s : streams_)
      if (s.fd >= 0) {
        if (s.failure.empty()) s.failure = "timeout";
        ::close(s.fd);
      }
  }

  // --dump: where in the run the slow first tokens are.
  void Dump() const {
    if (a_.dump.empty()) return;
    FILE* f = std::fopen(a_.dump.c_str(), "w");
    if (!f) return;
    std::fprintf(f, "start_ms first_token_ms duration_ms\n");
    for (const auto& s : streams_)
      if (s.has_first)
        std::fprintf(f, "%.2f %.2f %.2f\n", Ms(s.written - t0_), Ms(s.first_event - s.written), Ms(s.ended - s.written));
    std::fclose(f);
  }

  void Print() const {
    std::vector<double> first, dur;
    std::map<std::string, int> failures;
    int completed = 0;
    for (const auto& s : streams_) {
      std::string v = s.Verdict(a_.expect);
      if (v != "ok") {
        failures[v]++;
        continue;
      }
      ++completed;
      first.push_back(Ms(s.first_event - s.written));
      dur.push_back(Ms(s.ended - s.written));
    }
    std::printf("{\"client\": \"bench_streams_client\", \"streams\": %d, \"expected_deltas\": %d, \"ramp_ms\": %d, "
                "\"completed\": %d, \"max_open\": %d, \"failures\": {",
                a_.streams, a_.expect, a_.ramp_ms, completed, max_open_);
    bool firstf = true;
    for (const auto& [k, n] : failures) {
      std::printf("%s\"%s\": %d", firstf ? "" : ", ", k.c_str(), n);
      firstf = false;
    }
    std::printf("}, \"wall_ms\": %.1f, ", wall_ms_);
    PrintStats("ttfb_ms", first, true);
    PrintStats("duration_ms", dur, false);
    std::printf("}\n");
  }

 private:
  Clock::time_point Due(Clock::time_point t0, int i) const {
    return t0 + std::chrono::microseconds(static_cast<int64_t>(a_.ramp_ms) * 1000 * i / a_.streams);
  }

  bool Start(int i) {
    Stream& s = streams_[i];
    s.started = Clock::now();
    s.fd = Connect(a_.port);
    if (s.fd < 0) {
      s.failure = "connect";
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, s.fd, &ev);
    return true;
  }

  // false once the stream is over (its socket closed).
  bool Handle(Stream& s, uint32_t what) {
    if (s.fd < 0) return true;
    if (!s.sent && (what & EPOLLOUT)) {
      ssize_t w = ::send(s.fd, request_.data(), request_.size(), MSG_NOSIGNAL);
      if (w != static_cast<ssize_t>(request_.size())) return Close(s, "write");
      s.written = Clock::now();
      s.sent = true;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(&s - streams_.data());
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, s.fd, &ev);
    }
    if (!(what & (EPOLLIN | EPOLLHUP | EPOLLERR))) return true;
    char buf[16384];
    for (;;) {
      ssize_t r = ::recv(s.fd, buf, sizeof buf, 0);
      if (r > 0) {
        s.in.append(buf, static_cast<size_t>(r));
        continue;
      }
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      s.Decode();
      return Close(s, s.done ? "" : "closed early");
    }
    if (!s.Decode()) return Close(s, "");
    return true;
  }

  bool Close(Stream& s, const char* why) {
    if (s.failure.empty() && *why) s.failure = why;
    s.ended = Clock::now();
    ::close(s.fd);
    s.fd = -1;
    return false;
  }

  const Args& a_;
  std::vector<Stream> streams_;
  std::string request_;
  int ep_ = -1;
  int max_open_ = 0;
  double wall_ms_ = 0;
  Clock::time_point t0_;
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) {
    std::fprintf(stderr,
                 "usage: bench_streams_client --port P [--streams N] [--expect D] [--model M] "
                 "[--ramp-ms MS] [--timeout-ms MS] [--dump FILE]\n");
    return 2;
  }
  Runner r(a);
  r.Run();
  r.Print();
  r.Dump();
  return 0;
}
