// Client construction (the per-connection settings) and the idle lists.
#include "net/pool.h"

namespace detour::net {

std::string ClientPool::Key(const Url& url, bool tls_verify) {
  return tls_verify ? url.Origin() : url.Origin() + " noverify";
}

ClientPtr ClientPool::Create(const Url& url, bool tls_verify) {
  ClientPtr client;
  if (url.scheme == "https") {
    auto ssl = std::make_shared<httplib::SSLClient>(url.host, url.port);
    // Verification (when on) uses OpenSSL's default paths: the system CA store.
    ssl->enable_server_certificate_verification(tls_verify);
    client = ssl;
  } else {
    client = std::make_shared<httplib::ClientImpl>(url.host, url.port);
  }
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_url_encode(false);  // the caller's target goes out byte for byte
  client->set_follow_location(false);
  // httplib's timeouts are per recv/send; the Deadline and the watchdog govern instead,
  // so these only bound a connection the watchdog somehow failed to cut.
  client->set_read_timeout(3600, 0);
  client->set_write_timeout(3600, 0);
  return client;
}

ClientPtr ClientPool::Acquire(const Url& url, bool tls_verify) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(Key(url, tls_verify));
    if (it != idle_.end() && !it->second.empty()) {
      ClientPtr client = std::move(it->second.back());
      it->second.pop_back();
      return client;
    }
  }
  return Create(url, tls_verify);
}

void ClientPool::Release(const Url& url, bool tls_verify, ClientPtr client) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& list = idle_[Key(url, tls_verify)];
    if (list.size() < max_idle_) {
      list.push_back(std::move(client));
      return;
    }
  }
  client.reset();  // closes the connection outside the lock
}

size_t ClientPool::IdleCount(const Url& url, bool tls_verify) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(Key(url, tls_verify));
  return it == idle_.end() ? 0 : it->second.size();
}

}  // namespace detour::net
