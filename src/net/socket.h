// A non-blocking TCP connection, optionally TLS (client side), whose reads and writes wait
// through fiber::IoHandle: on a fiber they park it, on a thread they poll. Every wait has
// a deadline (`until`) and, once WatchCancel gave one, also ends soon after a cancel flag
// is set (reported as kTimeout: the caller looks at its flag).
//
// Ownership: owns the fd (and SSL object); closes on destruction. Not thread-safe: one
// flow uses a socket at a time, and once used on a fiber it stays on that scheduler.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <initializer_list>
#include <string_view>

#include "util/fiber.h"

typedef struct ssl_st SSL;

namespace detour::net {

enum class IoStatus {
  kOk,
  kClosed,   // orderly end of stream from the peer
  kTimeout,  // `until` passed
  kError,    // reset, broken pipe, TLS failure...
};

class Socket {
 public:
  // Takes an fd (blocking or not) and makes it non-blocking with TCP_NODELAY.
  explicit Socket(int fd);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Client-side TLS handshake: SNI for host names, certificate and host name (or IP)
  // verification when `verify`, system CA store. *why gets OpenSSL's reason on failure.
  IoStatus StartTls(const std::string& host, bool verify, fiber::TimePoint until,
                    std::string* why);

  // Reads what is available, waiting until something is (or `until`), and appends it to
  // `buf` (through a per-thread scratch buffer: a string grown by 16 KB per read would be
  // zero-filled, and a stack buffer spreads every fiber's waits over more pages).
  IoStatus ReadAppend(std::string& buf, fiber::TimePoint until);
  // Writes everything, waiting while the socket buffer is full.
  IoStatus WriteAll(std::string_view data, fiber::TimePoint until);
  // Writes up to kMaxParts pieces as one (gathered: one system call for a response head
  // and its body, no copy of the body). Over TLS they are joined into one record.
  static constexpr size_t kMaxParts = 4;
  IoStatus WriteParts(std::initializer_list<std::string_view> parts, fiber::TimePoint until);
  // Waits until the socket may be readable (a response may have arrived), without reading.
  IoStatus WaitReadable(fiber::TimePoint until);
  IoStatus WaitWritable(fiber::TimePoint until);
  // Whether an idle pooled connection may be reused: false when the peer has closed it
  // (or sent bytes nobody asked for, on plain TCP). Costs a system call only when the
  // scheduler saw activity on the socket since its last read.
  bool IdleAlive();
  // Makes the close that follows send a TCP reset instead of an orderly FIN (SO_LINGER 0).
  void ResetOnClose();
  // From now on every wait also ends (kTimeout) within fiber::kCancelSweep of *cancel
  // turning true; nullptr stops watching (before the socket goes back to a pool). The
  // flag must outlive the watching.
  void WatchCancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

 private:
  IoStatus ReadSome(char* buf, size_t cap, size_t* n, fiber::TimePoint until);
  IoStatus ReadPlain(char* buf, size_t cap, size_t* n, fiber::TimePoint until);
  IoStatus ReadTls(char* buf, size_t cap, size_t* n, fiber::TimePoint until);
  IoStatus WriteTls(std::string_view data, fiber::TimePoint until);
  fiber::IoHandle io_;
  SSL* ssl_ = nullptr;
  bool drained_ = false;  // plain TCP: the last read emptied the socket
  const std::atomic<bool>* cancel_ = nullptr;
};

// Resolves and connects (each address in turn) before `until`. A name lookup on a fiber
// runs on a helper thread so it never stalls the scheduler. Errors: kTimeout when `until`
// passed or `cancel` (optional) was set (the caller looks at its flag), kError otherwise
// with the reason in *why (no secrets: host and errno text only). The socket returned
// does not watch `cancel`: the caller decides (Socket::WatchCancel).
IoStatus Connect(const std::string& host, int port, fiber::TimePoint until,
                 std::unique_ptr<Socket>* out, std::string* why,
                 const std::atomic<bool>* cancel = nullptr);

}  // namespace detour::net
