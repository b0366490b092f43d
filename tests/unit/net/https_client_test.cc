// HttpClient over TLS against the in-memory-certificate TlsTestServer on loopback: what an
// https exchange must do whatever the implementation underneath (exchanges, exact request
// bytes, keep-alive, streaming, verification, deadlines in and after the handshake, SNI).
#include <doctest/doctest.h>

#include <dirent.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "net/http_client.h"
#include "support/tls_test_server.h"
#include "unit/net/net_test_util.h"

using namespace nettest;
using detour::net::Deadline;
using detour::net::Failure;
using detour::testing::TlsStep;
using detour::testing::TlsTestServer;

namespace {

std::string Url(const TlsTestServer& server, const std::string& target) {
  return server.BaseUrl() + target;
}

// Entries of a /proc/self directory: open fds ("fd") or live threads ("task").
int ProcEntries(const char* dir_name) {
  int n = 0;
  if (DIR* dir = ::opendir(dir_name)) {
    while (::readdir(dir) != nullptr) ++n;
    ::closedir(dir);
  }
  return n;
}

}  // namespace

TEST_CASE("https: Send with tls_verify=false returns status, headers and the whole body") {
  TlsTestServer server({TlsStep::Reply(201, R"({"id":"x1","ok":true})", {{"X-Upstream", "tls"}})});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post(Url(server, "/v1/chat/completions"), &deadline);
  req.tls_verify = false;
  auto res = client->Send(req);
  REQUIRE(res.ok());
  CHECK(res->status == 201);
  CHECK(res->Header("x-upstream") == "tls");
  CHECK(res->Header("Content-Type") == "application/json");
  CHECK(res->Header("content-length") == "21");
  CHECK(res->body == R"({"id":"x1","ok":true})");
}

TEST_CASE("https: the request's method, target, headers and body arrive intact") {
  TlsTestServer server;
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  // Larger than one TLS record (16 KiB) so the body spans several, with non-ASCII bytes.
  std::string body = R"({"model":"gpt-test","text":")" + std::string(40000, 'a') +
                     "\xC3\xA9\xE2\x82\xAC\"}";
  Deadline deadline(In(5s));
  auto req = Post(Url(server, "/v1/chat/completions?api-version=2024-02-01&q=a%20b"), &deadline,
                  body);
  req.tls_verify = false;
  req.headers.emplace_back("Authorization", "Bearer sk-secret-123");
  req.headers.emplace_back("X-Custom", "one, two");
  auto res = client->Send(req);
  REQUIRE(res.ok());
  CHECK(res->status == 200);
  auto got = server.LastRequest();
  REQUIRE(got.has_value());
  CHECK(got->method == "POST");
  CHECK(got->target == "/v1/chat/completions?api-version=2024-02-01&q=a%20b");
  CHECK(got->Header("authorization") == "Bearer sk-secret-123");
  CHECK(got->Header("x-custom") == "one, two");
  CHECK(got->Header("Content-Type") == "application/json");
  CHECK(got->Header("Content-Length") == std::to_string(body.size()));
  CHECK(got->Header("Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(got->body == body);
}

TEST_CASE("https: keep-alive reuses one TLS connection across sequential calls") {
  TlsTestServer server({TlsStep::Reply(200, R"({"n":1})"), TlsStep::Reply(200, R"({"n":2})")});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  for (const char* want : {R"({"n":1})", R"({"n":2})"}) {
    Deadline deadline(In(5s));
    auto req = Post(Url(server, "/v1"), &deadline);
    req.tls_verify = false;
    auto res = client->Send(req);
    REQUIRE(res.ok());
    CHECK(res->body == want);
  }
  CHECK(server.RequestsRead() == 2);
  CHECK(server.ConnectionsAccepted() == 1);
}

TEST_CASE("https: Stream delivers chunked SSE pieces in order as they are sent") {
  const std::vector<std::string> pieces = {"data: {\"n\":1}\n\n", "data: {\"n\":2}\n\n",
                                           "data: {\"n\":3}\n\n", "data: [DONE]\n\n"};
  TlsTestServer server({TlsStep::Chunked(pieces, 80)});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post(Url(server, "/v1/chat/completions"), &deadline);
  req.tls_verify = false;
  Recorder rec;
  auto start = SteadyClock::now();
  long long first_data_ms = -1;
  rec.on_data = [&] {
    if (first_data_ms < 0) first_data_ms = MsSince(start);
  };
  auto res = client->Stream(req, rec);
  long long total_ms = MsSince(start);
  REQUIRE(res.ok());
  CHECK(*res == 200);
  CHECK(rec.status == 200);
  std::string content_type;
  for (const auto& [k, v] : rec.headers) {
    if (k == "Content-Type" || k == "content-type") content_type = v;
  }
  CHECK(content_type == "text/event-stream");
  std::string joined;
  for (const auto& p : rec.pieces) joined += p;
  CHECK(joined == pieces[0] + pieces[1] + pieces[2] + pieces[3]);
  CHECK(rec.events == std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "[DONE]"});
  // Three 80 ms pauses: the stream is not complete before ~240 ms, yet the first piece
  // reached the handler long before the end (streamed, not buffered).
  CHECK(total_ms >= 200);
  REQUIRE(first_data_ms >= 0);
  CHECK(first_data_ms + 150 <= total_ms);
}

TEST_CASE("https: tls_verify=true rejects a self-signed certificate as kTls, no secrets") {
  TlsTestServer server;
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post(Url(server, "/v1/chat/completions"), &deadline);
  req.tls_verify = true;
  req.headers.emplace_back("Authorization", "Bearer sk-secret-123");
  auto start = SteadyClock::now();
  auto res = client->Send(req);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTls);
  CHECK_FALSE(res.error().got_headers);
  CHECK(res.error().message.find("sk-secret") == std::string::npos);
  CHECK(res.error().message.find("Bearer") == std::string::npos);
  CHECK(MsSince(start) < 2000);
  CHECK(server.RequestsRead() == 0);  // nothing was sent over an unverified channel
}

TEST_CASE("https: an upstream silent after the handshake is cut at the deadline") {
  TlsTestServer server({TlsStep::Silent()});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  auto start = SteadyClock::now();
  Deadline deadline(start + 300ms);
  auto req = Post(Url(server, "/v1/chat/completions"), &deadline);
  req.tls_verify = false;
  auto res = client->Send(req);
  long long elapsed = MsSince(start);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  CHECK_FALSE(res.error().got_headers);
  CHECK(elapsed >= 300);
  CHECK(elapsed <= 700);
  CHECK(server.WaitForRequests(1, 2s));  // the request did get through the handshake
}

TEST_CASE("https: an upstream that never does the TLS handshake is cut at the deadline") {
  TlsTestServer server({TlsStep::SilentHandshake()});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  auto start = SteadyClock::now();
  Deadline deadline(start + 300ms);
  auto req = Post(Url(server, "/v1/chat/completions"), &deadline);
  req.tls_verify = false;
  auto res = client->Send(req);
  long long elapsed = MsSince(start);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().what == Failure::kTimeout);
  CHECK_FALSE(res.error().got_headers);
  CHECK(elapsed >= 300);
  CHECK(elapsed <= 700);
  CHECK(server.ConnectionsAccepted() == 1);
  CHECK(server.RequestsRead() == 0);
}

TEST_CASE("https: https://localhost works unverified and sends the DNS name as SNI") {
  TlsTestServer server({TlsStep::Reply(200, R"({"host":"localhost"})")});
  REQUIRE(server.Start() > 0);
  auto client = detour::net::MakeHttpClient();
  Deadline deadline(In(5s));
  auto req = Post("https://localhost:" + std::to_string(server.port()) + "/v1/models", &deadline);
  req.tls_verify = false;
  auto res = client->Send(req);
  REQUIRE(res.ok());
  CHECK(res->status == 200);
  CHECK(res->body == R"({"host":"localhost"})");
  auto got = server.LastRequest();
  REQUIRE(got.has_value());
  CHECK(got->server_name == "localhost");
  CHECK(got->Header("Host") == "localhost:" + std::to_string(server.port()));
  CHECK(got->target == "/v1/models");
}

TEST_CASE("https: the test server's certificate is a trust anchor for localhost and 127.0.0.1") {
  TlsTestServer server;
  std::string pem = server.CertificatePem();
  REQUIRE(pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  REQUIRE(cert != nullptr);
  CHECK(X509_check_host(cert, "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert, "127.0.0.1", 0) == 1);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, cert);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "localhost", 0);
  CHECK(X509_verify_cert(ctx) == 1);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(cert);
}

TEST_CASE("https: the test server stops promptly with connections held open") {
  int fds_before = ProcEntries("/proc/self/fd");
  int threads_before = ProcEntries("/proc/self/task");
  {
    TlsTestServer server({TlsStep::SilentHandshake()});
    REQUIRE(server.Start() > 0);
    int raw = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    REQUIRE(::connect(raw, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(server.WaitForConnections(1, 2s));
    CHECK(ProcEntries("/proc/self/task") == threads_before + 2);  // acceptor + connection
    auto start = SteadyClock::now();
    server.Stop();
    CHECK(MsSince(start) < 300);
    ::close(raw);
  }
  CHECK(ProcEntries("/proc/self/fd") == fds_before);
  CHECK(ProcEntries("/proc/self/task") == threads_before);
}
