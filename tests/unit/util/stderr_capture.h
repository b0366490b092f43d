// Test helper: captures what the process writes to stderr (fd 2) while alive, through a
// temporary file, so logging can be checked line by line.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace testutil {

class StderrCapture {
 public:
  StderrCapture() : path_("/tmp/detour-stderr-" + std::to_string(getpid()) + ".txt") {
    std::fflush(stderr);
    saved_ = dup(2);
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
  }
  ~StderrCapture() { Restore(); }
  // Stops capturing and returns everything captured.
  std::string Take() {
    Restore();
    std::ifstream f(path_);
    std::stringstream s;
    s << f.rdbuf();
    std::remove(path_.c_str());
    return s.str();
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

}  // namespace testutil
