// TLS failures map to kTls: an https call to a loopback peer that does not speak TLS.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "net/http_client.h"
#include "unit/net/net_test_util.h"

using namespace nettest;
using detour::net::Deadline;

namespace {

// Answers each connection with plain-text HTTP and closes it. Stops within 50 ms.
class PlainTextPeer {
 public:
  PlainTextPeer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~PlainTextPeer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
      ::send(c, reply, sizeof reply - 1, MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("client: a peer that does not speak TLS is kTls, verified or not") {
  PlainTextPeer peer;
  auto client = detour::net::MakeHttpClient();
  for (bool verify : {true, false}) {
    Deadline deadline(In(3s));
    auto req = Post("https://127.0.0.1:" + std::to_string(peer.port()) + "/v1", &deadline);
    req.tls_verify = verify;
    auto start = SteadyClock::now();
    auto res = client->Send(req);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().what == detour::net::Failure::kTls);
    CHECK_FALSE(res.error().got_headers);
    CHECK(MsSince(start) < 1500);
  }
}
