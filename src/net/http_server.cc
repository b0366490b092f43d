// cpp-httplib behind net::HttpServer. Notes on the library (0.11.4) that shape this file:
// - its default pool has max(8, cores-1) threads and a keep-alive connection holds one for
//   its life, so ElasticQueue below grows a thread per connection up to max_threads;
// - the logger runs after the response (including a chunked body) has been written, so
//   it is where a request stops counting as in flight;
// - routes are matched by std::regex: only exact literal paths are registered.
#include "net/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <regex>
#include <thread>

namespace detour::net {
namespace {

void ReleaseInFlight();

// A task queue that never makes a connection wait for a thread: idle workers take tasks,
// and when none is idle a new worker starts (bounded by max_threads, then tasks queue).
// Idle workers retire after a while, so an idle server holds few threads.
class ElasticQueue : public httplib::TaskQueue {
 public:
  explicit ElasticQueue(size_t max_threads) : max_threads_(max_threads) {}

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    tasks_.push_back(std::move(fn));
    // idle_ counts workers still waiting, including ones already notified for earlier
    // tasks: only as many tasks as idle workers can be taken without a new thread.
    if (tasks_.size() <= idle_) {
      cv_.notify_one();
      return;
    }
    if (threads_ < max_threads_) {
      threads_++;
      std::thread([this] { Work(); }).detach();
    }
  }

  // The listener has closed. Running connections finish on their own (serve decides how
  // long to wait for them); idle workers are released.
  void shutdown() override {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    cv_.notify_all();
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      idle_++;
      bool got = cv_.wait_for(lock, std::chrono::seconds(30),
                              [&] { return shutdown_ || !tasks_.empty(); });
      idle_--;
      if (!got || tasks_.empty()) break;  // retired, or shut down with nothing to do
      auto fn = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      fn();
      ReleaseInFlight();  // a connection that died mid-response was never logged
      lock.lock();
    }
    threads_--;
  }

  const size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  bool shutdown_ = false;
};

// The in-flight counter of the request this thread is serving, from its handler until
// its response is written (logger), or until the connection ends if writing failed.
thread_local std::atomic<size_t>* t_counter = nullptr;

void ReleaseInFlight() {
  if (t_counter) t_counter->fetch_sub(1);
  t_counter = nullptr;
}

class HttplibBodyWriter : public BodyWriter {
 public:
  explicit HttplibBodyWriter(httplib::DataSink& sink) : sink_(sink) {}
  bool Write(std::string_view data) override {
    if (failed_) return false;
    if (data.empty()) return true;
    if (!sink_.is_writable() || !sink_.write(data.data(), data.size())) failed_ = true;
    return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  httplib::DataSink& sink_;
  bool failed_ = false;
};

ServerRequest Convert(const httplib::Request& in) {
  ServerRequest r;
  r.method = in.method;
  r.path = in.path;
  r.body = in.body;
  r.remote_addr = in.remote_addr;
  r.headers.reserve(in.headers.size());
  for (const auto& [k, v] : in.headers) r.headers.emplace_back(k, v);
  return r;
}

void Apply(ServerResponse&& out, httplib::Response& res) {
  res.status = out.status;
  for (auto& [k, v] : out.headers) res.set_header(k, v);
  if (!out.stream) {
    res.set_content(std::move(out.body), out.content_type);
    return;
  }
  auto source = std::make_shared<BodySource>(std::move(out.stream));
  res.set_chunked_content_provider(out.content_type, [source](size_t, httplib::DataSink& sink) {
    HttplibBodyWriter writer(sink);
    (*source)(writer);
    if (writer.failed()) return false;
    sink.done();
    return true;
  });
}

class HttplibServer : public HttpServer {
 public:
  explicit HttplibServer(ServerOptions o) : opts_(std::move(o)) {
    size_t max_threads = opts_.max_threads;
    svr_.new_task_queue = [max_threads] { return new ElasticQueue(max_threads); };
    svr_.set_tcp_nodelay(true);
    // Called for the listening socket only: remember it so Stop() can close the listener
    // without httplib's stop(), which also ends every chunked body still being written.
    svr_.set_socket_options([this](int sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd_.store(sock);
    });
    svr_.set_keep_alive_max_count(1u << 30);
    svr_.set_keep_alive_timeout(opts_.keep_alive_timeout_s);
    svr_.set_payload_max_length(opts_.max_body);
    svr_.set_read_timeout(30, 0);
    svr_.set_write_timeout(30, 0);
    svr_.set_logger([](const httplib::Request&, const httplib::Response&) { ReleaseInFlight(); });
    svr_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
      // httplib calls this for every status >= 400, also for a handler's own error
      // response: only answer what no handler wrote (unrouted path, 413, bad request).
      if (!opts_.on_error || !res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      ServerResponse out;
      out.status = res.status;
      opts_.on_error(Convert(req), out);
      Apply(std::move(out), res);
      return httplib::Server::HandlerResponse::Handled;
    }));
  }

  void Route(const std::string& method, const std::string& path, Handler h) override {
    auto wrapped = [this, h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
      ReleaseInFlight();
      in_flight_.fetch_add(1);
      t_counter = &in_flight_;
      ServerResponse out;
      h(Convert(req), out);
      Apply(std::move(out), res);
    };
    std::string literal = std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
    if (method == "GET") svr_.Get(literal, wrapped);
    else if (method == "POST") svr_.Post(literal, wrapped);
    else if (method == "DELETE") svr_.Delete(literal, wrapped);
    else svr_.Put(literal, wrapped);
  }

  Expected<int, std::string> Bind() override {
    int port = opts_.port;
    bool ok = port == 0 ? (port = svr_.bind_to_any_port(opts_.host)) > 0
                        : svr_.bind_to_port(opts_.host, port);
    if (!ok) return Fail("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) +
                         " (address in use or not available)");
    // Debian's libcpp-httplib was built with a listen backlog of 5: a burst of new
    // connections (1000 streams opening at once) would be dropped and retried by the
    // kernel after 1, 3, 7 s. Linux lets listen() on a listening socket raise it.
    if (int fd = listen_fd_.load(); fd >= 0) ::listen(fd, SOMAXCONN);
    return port;
  }

  void Run() override { svr_.listen_after_bind(); }
  // shutdown() wakes accept() with an error, so httplib's accept loop ends and new
  // connections are refused, while connections already accepted (and their streams) go on.
  void Stop() override {
    int fd = listen_fd_.exchange(-1);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
  size_t InFlight() const override { return in_flight_.load(); }

 private:
  ServerOptions opts_;
  httplib::Server svr_;
  std::atomic<size_t> in_flight_{0};
  std::atomic<int> listen_fd_{-1};
};

}  // namespace

std::string ServerRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  return "";
}

std::unique_ptr<HttpServer> MakeHttpServer(ServerOptions options) {
  return std::make_unique<HttplibServer>(std::move(options));
}

}  // namespace detour::net
