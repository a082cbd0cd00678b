// A fresh folder under /tmp for one test, removed afterwards (links are removed, not followed).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

class TempTree {
 public:
  TempTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-apply-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  ~TempTree() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& path() const { return root_; }
  std::filesystem::path operator/(const std::string& rel) const { return root_ / rel; }
  int fd() const { return fd_; }

  void write(const std::string& rel, const std::string& data) const {
    std::ofstream(root_ / rel, std::ios::binary | std::ios::trunc) << data;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(root_ / rel, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::filesystem::path root_;
  int fd_ = -1;
};
