// An append-only JSON Lines file written off the request path (the usage log, the
// [record] file). Append() only queues the line under a short mutex (no wait, so it is
// safe on a fiber); one writer thread appends each line and flushes it at once, so a
// crash loses at most the lines still queued and a reader (budget replay, bench) never
// sees half a line from a clean run.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "model/clock.h"
#include "util/expected.h"

namespace detour {

class JsonlFile {
 public:
  // Opens `path` for appending (created when missing). The error names the path and why.
  static Expected<std::unique_ptr<JsonlFile>, std::string> Open(const std::string& path);
  ~JsonlFile();  // writes every queued line, then closes

  JsonlFile(const JsonlFile&) = delete;
  JsonlFile& operator=(const JsonlFile&) = delete;

  // Queues one line without its newline (or several joined by "\n", written together).
  // Never blocks on I/O.
  void Append(std::string line);
  // Waits until every line appended before the call is written and flushed. From an
  // ordinary thread only (tests, shutdown): it blocks the thread.
  void Flush();
  const std::string& path() const { return path_; }

 private:
  JsonlFile(std::string path, std::FILE* f);
  void Run();

  std::string path_;
  std::FILE* file_;
  std::mutex mu_;
  std::condition_variable wake_;     // the writer: lines queued or stopping
  std::condition_variable written_;  // Flush(): the writer caught up
  std::deque<std::string> queue_;
  uint64_t appended_ = 0;
  uint64_t done_ = 0;
  bool stop_ = false;
  bool warned_ = false;
  std::thread writer_;
};

// "2026-12-06T17:03:04.120Z": calendar time in UTC with milliseconds.
std::string IsoUtc(WallTime t);

}  // namespace detour
