#include "server/jsonl_file.h"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "util/log.h"

namespace detour {

Expected<std::unique_ptr<JsonlFile>, std::string> JsonlFile::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Fail(std::string("cannot open ") + path + " for appending: " + std::strerror(errno));
  return std::unique_ptr<JsonlFile>(new JsonlFile(path, f));
}

JsonlFile::JsonlFile(std::string path, std::FILE* f) : path_(std::move(path)), file_(f) {
  writer_ = std::thread([this] { Run(); });
}

JsonlFile::~JsonlFile() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();
  std::fclose(file_);
}

void JsonlFile::Append(std::string line) {
  line += '\n';
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(line));
    ++appended_;
  }
  wake_.notify_one();
}

void JsonlFile::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = appended_;
  written_.wait(lock, [&] { return done_ >= target; });
}

void JsonlFile::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    std::deque<std::string> batch;
    batch.swap(queue_);
    lock.unlock();
    bool failed = false;
    for (const auto& line : batch) {
      // One flush per line: a reader or a crash never sees a line half written.
      failed |= std::fwrite(line.data(), 1, line.size(), file_) != line.size();
      failed |= std::fflush(file_) != 0;
    }
    lock.lock();
    done_ += batch.size();
    if (failed && !warned_) {
      warned_ = true;
      log::Warn("cannot write to " + path_ + ": " + std::strerror(errno));
    }
    written_.notify_all();
  }
}

std::string IsoUtc(WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any year, so the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace detour
