// fake_upstream: the scriptable fake upstream as a process, for the end-to-end tests and
// the benchmark.
//   fake_upstream --script FILE.json [--port N] [--no-stdin] [--max-records N]
// Prints "PORT <n>" as the first line of stdout (flushed), then serves until SIGTERM or
// SIGINT, or until stdin reaches EOF (unless --no-stdin). Script format: fake_script.h;
// control endpoints: fake_upstream.h.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "support/fake_upstream.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Args {
  std::string script_path;
  int port = 0;
  bool watch_stdin = true;
  size_t max_records = 100000;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--script" && has_value) {
      args->script_path = argv[++i];
    } else if (a == "--port" && has_value) {
      args->port = std::atoi(argv[++i]);
    } else if (a == "--max-records" && has_value) {
      args->max_records = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--no-stdin") {
      args->watch_stdin = false;
    } else {
      return false;
    }
  }
  return true;
}

// True once stdin has reached EOF (or failed). Waits up to 100 ms.
bool StdinClosed() {
  pollfd p{0, POLLIN, 0};
  if (::poll(&p, 1, 100) <= 0) return false;
  char buf[256];
  ssize_t n = ::read(0, buf, sizeof buf);
  return n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
}

}  // namespace

int main(int argc, char** argv) {
  using detour::testing::FakeScript;
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: fake_upstream --script FILE.json [--port N] [--no-stdin] "
                 "[--max-records N]\n");
    return 2;
  }
  FakeScript script;
  if (!args.script_path.empty()) {
    std::ifstream in(args.script_path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::fprintf(stderr, "fake_upstream: cannot read %s\n", args.script_path.c_str());
      return 2;
    }
    auto parsed = detour::testing::ScriptFromText(text.str());
    if (!parsed.ok()) {
      std::fprintf(stderr, "fake_upstream: %s\n", parsed.error().c_str());
      return 2;
    }
    script = std::move(*parsed);
  }
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGINT, OnSignal);
  detour::testing::FakeUpstream::Options options;
  options.max_recorded = args.max_records;
  detour::testing::FakeUpstream fake(std::move(script), options);
  int port = fake.Start(args.port);
  if (port < 0) {
    std::fprintf(stderr, "fake_upstream: cannot listen on 127.0.0.1:%d\n", args.port);
    return 1;
  }
  std::printf("PORT %d\n", port);
  std::fflush(stdout);
  while (!g_stop) {
    if (args.watch_stdin) {
      if (StdinClosed()) break;
    } else {
      ::poll(nullptr, 0, 100);
    }
  }
  fake.Stop();
  return 0;
}
