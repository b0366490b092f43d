// bench_latency_client: measures per-request latency of a direct upstream and of the
// gateway in front of it, at concurrency 1, over one keep-alive connection each.
//
//   bench_latency_client --direct PORT --gateway PORT [--path P] [--direct-model M]
//       [--gateway-model M] [--requests N] [--block B] [--warmup W] [--raw FILE]
//
// Runs W warm-up requests on each target, then alternates blocks of B requests (direct
// block, gateway block, gateway block, direct block, ... ABBA order so slow drift hits
// both sides alike) until each side has N timed requests. A request is timed from just
// before write() to the last byte of its Content-Length body (steady_clock, ns, reported
// in us). Prints one JSON object on stdout with percentiles per side, the added latency
// (gateway pct - direct pct) and the median of paired differences (gateway[i] -
// direct[i] of adjacent blocks). Benchmark tool only: not part of detour, not run by CI.
// Single-threaded; loopback only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Args {
  int direct_port = 0;
  int gateway_port = 0;
  std::string path = "/v1/chat/completions";
  std::string direct_model = "m";
  std::string gateway_model = "bench";
  int requests = 2000;
  int block = 100;
  int warmup = 200;
  std::string raw_path;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--direct") a->direct_port = std::atoi(v.c_str());
    else if (k == "--gateway") a->gateway_port = std::atoi(v.c_str());
    else if (k == "--path") a->path = v;
    else if (k == "--direct-model") a->direct_model = v;
    else if (k == "--gateway-model") a->gateway_model = v;
    else if (k == "--requests") a->requests = std::atoi(v.c_str());
    else if (k == "--block") a->block = std::atoi(v.c_str());
    else if (k == "--warmup") a->warmup = std::atoi(v.c_str());
    else if (k == "--raw") a->raw_path = v;
    else return false;
  }
  return (argc % 2) == 1 && a->direct_port > 0 && a->gateway_port > 0 && a->requests > 0 &&
         a->block > 0;
}

// One keep-alive HTTP/1.1 connection to 127.0.0.1:port that sends the same POST again
// and again. Reconnects when the server closes (counted, so the report can show it).
class Conn {
 public:
  Conn(int port, std::string request) : port_(port), request_(std::move(request)) {}
  ~Conn() { Close(); }

  // Sends the request and reads the whole response; returns the latency in ns, or -1.
  long long Exchange() {
    if (fd_ < 0 && !Connect()) return -1;
    auto t0 = std::chrono::steady_clock::now();
    if (!WriteAll()) {  // the server may have closed an idle connection: retry once
      Close();
      if (!Connect()) return -1;
      t0 = std::chrono::steady_clock::now();
      if (!WriteAll()) return -1;
    }
    if (!ReadResponse()) return -1;
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  int reconnects() const { return connects_ > 0 ? connects_ - 1 : 0; }
  const std::string& error() const { return error_; }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return Fail("socket");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port_));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return Fail("connect");
    connects_++;
    buf_.clear();
    return true;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool Fail(const char* what) {
    error_ = std::string(what) + ": " + std::strerror(errno);
    Close();
    return false;
  }
  bool WriteAll() {
    size_t off = 0;
    while (off < request_.size()) {
      ssize_t n = ::send(fd_, request_.data() + off, request_.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  // Reads status line + headers + Content-Length body. Leaves surplus bytes in buf_.
  bool ReadResponse() {
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill()) return Fail("read headers");
    std::string head = buf_.substr(0, head_end);
    if (head.compare(0, 12, "HTTP/1.1 200") != 0) {
      error_ = "status: " + head.substr(0, head.find("\r\n"));
      Close();
      return false;
    }
    long length = -1;
    bool close_after = false;
    size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string::npos) {
      pos += 2;
      size_t eol = head.find("\r\n", pos);
      std::string line = head.substr(pos, eol == std::string::npos ? eol : eol - pos);
      if (strncasecmp(line.c_str(), "content-length:", 15) == 0) length = std::atol(line.c_str() + 15);
      if (strncasecmp(line.c_str(), "connection:", 11) == 0 &&
          line.find("close") != std::string::npos)
        close_after = true;
    }
    if (length < 0) return Fail("no content-length");
    size_t total = head_end + 4 + static_cast<size_t>(length);
    while (buf_.size() < total)
      if (!Fill()) return Fail("read body");
    buf_.erase(0, total);
    if (close_after) Close();
    return true;
  }

  int port_;
  std::string request_;
  int fd_ = -1;
  int connects_ = 0;
  std::string buf_;
  std::string error_;
};

std::string MakeRequest(const std::string& path, const std::string& model) {
  std::string body = "{\"model\":\"" + model +
                     "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Connection: keep-alive\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest-rank percentile.
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

std::string Stats(const std::vector<double>& v) {
  char out[256];
  std::snprintf(out, sizeof out,
                "{\"n\": %zu, \"p50_us\": %.2f, \"p90_us\": %.2f, \"p99_us\": %.2f, "
                "\"mean_us\": %.2f, \"min_us\": %.2f, \"max_us\": %.2f}",
                v.size(), Pct(v, 50), Pct(v, 90), Pct(v, 99), Mean(v),
                v.empty() ? 0 : *std::min_element(v.begin(), v.end()),
                v.empty() ? 0 : *std::max_element(v.begin(), v.end()));
  return out;
}

// Runs `count` requests on `c`, appending latencies in us. False on any failure.
bool RunBlock(Conn& c, int count, std::vector<double>* out, const char* name) {
  for (int i = 0; i < count; ++i) {
    long long ns = c.Exchange();
    if (ns < 0) {
      std::fprintf(stderr, "bench_latency_client: %s request failed: %s\n", name,
                   c.error().c_str());
      return false;
    }
    if (out) out->push_back(static_cast<double>(ns) / 1000.0);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) {
    std::fprintf(stderr,
                 "usage: bench_latency_client --direct PORT --gateway PORT [--path P] "
                 "[--direct-model M] [--gateway-model M] [--requests N] [--block B] "
                 "[--warmup W] [--raw FILE]\n");
    return 2;
  }
  Conn direct(a.direct_port, MakeRequest(a.path, a.direct_model));
  Conn gateway(a.gateway_port, MakeRequest(a.path, a.gateway_model));
  if (!RunBlock(direct, a.warmup, nullptr, "direct warm-up") ||
      !RunBlock(gateway, a.warmup, nullptr, "gateway warm-up"))
    return 1;

  std::vector<double> d, g;
  d.reserve(a.requests);
  g.reserve(a.requests);
  for (int round = 0; static_cast<int>(d.size()) < a.requests; ++round) {
    int n = std::min(a.block, a.requests - static_cast<int>(d.size()));
    bool direct_first = round % 2 == 0;  // ABBA
    bool ok = direct_first
                  ? RunBlock(direct, n, &d, "direct") && RunBlock(gateway, n, &g, "gateway")
                  : RunBlock(gateway, n, &g, "gateway") && RunBlock(direct, n, &d, "direct");
    if (!ok) return 1;
  }
  std::vector<double> diff(d.size());
  for (size_t i = 0; i < d.size(); ++i) diff[i] = g[i] - d[i];

  if (!a.raw_path.empty()) {
    if (FILE* f = std::fopen(a.raw_path.c_str(), "w")) {
      std::fprintf(f, "direct_us,gateway_us\n");
      for (size_t i = 0; i < d.size(); ++i) std::fprintf(f, "%.3f,%.3f\n", d[i], g[i]);
      std::fclose(f);
    }
  }
  std::printf(
      "{\"direct\": %s,\n \"gateway\": %s,\n \"added_p50_us\": %.2f, \"added_p99_us\": %.2f, "
      "\"paired_diff_p50_us\": %.2f, \"paired_diff_p99_us\": %.2f,\n \"block\": %d, "
      "\"warmup\": %d, \"direct_reconnects\": %d, \"gateway_reconnects\": %d}\n",
      Stats(d).c_str(), Stats(g).c_str(), Pct(g, 50) - Pct(d, 50), Pct(g, 99) - Pct(d, 99),
      Pct(diff, 50), Pct(diff, 99), a.block, a.warmup, direct.reconnects(),
      gateway.reconnects());
  return 0;
}
