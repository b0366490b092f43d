// Loopback peers that make a client's send or connect block, for the cancel tests: a cancel
// flag must end a wait the deadline is still far from, whatever the client was waiting for.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace nettest {

// A listening socket on 127.0.0.1 with a free port; -1 on failure. `rcvbuf` > 0 shrinks
// the receive buffer its connections inherit.
inline int ListenLoopback(int backlog, int rcvbuf, int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Accepts one connection, reads its first 64 KB, then reads nothing more: its small receive
// buffer fills and the sender's send blocks. Stalled() once those bytes were read and more
// wait unread behind them (the sender is writing into a full window).
class StallingUpstream {
 public:
  StallingUpstream() {
    listen_fd_ = ListenLoopback(4, 4096, &port_);
    if (listen_fd_ >= 0) thread_ = std::thread([this] { Run(); });
  }
  ~StallingUpstream() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // unblocks an accept
    if (thread_.joinable()) thread_.join();
    if (conn_fd_ >= 0) ::close(conn_fd_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  bool WaitStalled(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return stalled_; });
  }

 private:
  void Run() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    conn_fd_ = fd;
    char buf[4096];
    size_t got = 0;
    while (got < 64 * 1024) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      got += static_cast<size_t>(n);
    }
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {  // until unread bytes queue up behind what was read
      int queued = 0;
      if (::ioctl(fd, FIONREAD, &queued) == 0 && queued > 0) break;
      if (std::chrono::steady_clock::now() > give_up) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::unique_lock<std::mutex> lock(mu_);
    stalled_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return stop_; });  // holds the connection open, unread
  }

  int listen_fd_ = -1, conn_fd_ = -1, port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stalled_ = false, stop_ = false;
};

// The kernel's count of SYNs dropped for a full accept queue (TcpExt ListenOverflows), or
// -1 when /proc does not say.
inline long ListenOverflows() {
  std::ifstream in("/proc/net/netstat");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value)
      if (name == "ListenOverflows") return std::stol(value);
  }
  return -1;
}

// A listener whose accept queue is full (backlog 0, one connection queued and never
// accepted): the kernel drops further SYNs, so a connect to it waits. Loopback only.
class FullBacklog {
 public:
  FullBacklog() {
    listen_fd_ = ListenLoopback(0, 0, &port_);
    if (listen_fd_ < 0) return;
    filler_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    ok_ = ::connect(filler_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~FullBacklog() {
    if (filler_fd_ >= 0) ::close(filler_fd_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  bool ok() const { return ok_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  int listen_fd_ = -1, filler_fd_ = -1, port_ = 0;
  bool ok_ = false;
};

}  // namespace nettest
