#include "fake_token_endpoint.h"

#include <chrono>
#include <cstdlib>
#include <fstream>

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/fiber.h"

namespace detour::testing {
namespace {

std::string FormValue(const std::string& body, const std::string& name) {
  size_t at = body.find(name + "=");
  if (at == std::string::npos) return {};
  size_t start = at + name.size() + 1, end = body.find('&', start);
  return body.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

RsaPair MakeRsaPair() {
  RsaPair p;
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  REQUIRE(raw != nullptr);
  p.key.reset(raw, &EVP_PKEY_free);
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey(bio, raw, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  p.private_pem.assign(data, static_cast<size_t>(size));
  BIO_free(bio);
  return p;
}

std::string DecodeBase64Url(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return {};
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

FakeTokenEndpoint::FakeTokenEndpoint() : pair_(MakeRsaPair()) {
  net::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  server_ = net::MakeHttpServer(std::move(o));
  server_->Route("POST", "/token", [this](const net::ServerRequest& req, net::ServerResponse& resp) {
    Handle(req, resp);
  });
  char tmpl[] = "/tmp/detour-vertex-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  dir_ = tmpl;
}

void FakeTokenEndpoint::Start() {
  auto port = server_->Bind();
  REQUIRE(port.ok());
  port_ = *port;
  thread_ = std::thread([this] { server_->Run(); });
}

FakeTokenEndpoint::~FakeTokenEndpoint() {
  if (thread_.joinable()) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_->InFlight() > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_->Stop();
    thread_.join();
  }
  std::remove((dir_ + "/sa.json").c_str());
  std::remove(dir_.c_str());
}

std::string FakeTokenEndpoint::BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
std::string FakeTokenEndpoint::TokenUri() const { return BaseUrl() + "/token"; }

std::string FakeTokenEndpoint::WriteServiceAccount() const {
  Json sa = {{"type", "service_account"}, {"project_id", "proj-1"}, {"private_key_id", kKeyId},
             {"private_key", pair_.private_pem}, {"client_email", kEmail}, {"client_id", "1234567890"},
             {"token_uri", TokenUri()}};
  std::string path = dir_ + "/sa.json";
  std::ofstream(path) << sa.dump(2);
  return path;
}

std::string FakeTokenEndpoint::last_assertion() const {
  std::lock_guard lock(mu_);
  return last_assertion_;
}

bool FakeTokenEndpoint::Verify(const std::string& assertion) const {
  size_t a = assertion.find('.'), b = assertion.rfind('.');
  if (a == std::string::npos || a == b) return false;
  Json header = Json::parse(DecodeBase64Url(assertion.substr(0, a)), nullptr, false);
  Json claims = Json::parse(DecodeBase64Url(assertion.substr(a + 1, b - a - 1)), nullptr, false);
  std::string signature = DecodeBase64Url(assertion.substr(b + 1));
  std::string signed_part = assertion.substr(0, b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pair_.key.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || !header.is_object() || !claims.is_object()) return false;
  return header.value("alg", "") == "RS256" && header.value("typ", "") == "JWT" &&
         header.value("kid", "") == kKeyId && claims.value("iss", "") == kEmail &&
         claims.value("scope", "") == "https://www.googleapis.com/auth/cloud-platform" &&
         claims.value("aud", "") == TokenUri() && claims["iat"].is_number_integer() &&
         claims.value("exp", int64_t{0}) == claims.value("iat", int64_t{0}) + 3600;
}

void FakeTokenEndpoint::Handle(const net::ServerRequest& req, net::ServerResponse& resp) {
  int n = ++exchanges;
  if (delay_ms > 0) fiber::SleepUntil(fiber::Clock::now() + std::chrono::milliseconds(delay_ms.load()));
  std::string assertion = FormValue(req.body, "assertion");
  {
    std::lock_guard lock(mu_);
    last_assertion_ = assertion;
  }
  bool form_ok = FormValue(req.body, "grant_type") == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" &&
                 req.Header("content-type") == "application/x-www-form-urlencoded";
  if (!form_ok || !Verify(assertion)) {
    ++bad_assertions;
    resp.status = 400;
    resp.body = R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})";
    return;
  }
  if (mode == Mode::kRefuse) {
    resp.status = 400;
    resp.body = R"({"error":"invalid_grant","error_description":"Invalid grant: account not found"})";
  } else if (mode == Mode::kUnavailable) {
    resp.status = 503;
    resp.body = R"({"error":"backend_error"})";
  } else {
    resp.body = Json{{"access_token", "ya29.token-" + std::to_string(n)}, {"expires_in", expires_in.load()},
                     {"token_type", "Bearer"}}.dump();
  }
}

}  // namespace detour::testing
