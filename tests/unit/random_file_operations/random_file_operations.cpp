#include "random_file_operations.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <random>
#include <string>

namespace haven::testing {

void random_file_operations(const std::filesystem::path& dir, std::uint32_t seed, int count) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
  auto name = [&] {
    static const char* folders[] = {"", "d1/", "d2/", "d1/sub/"};
    return (dir / (std::string(folders[pick(4)]) + "n" + std::to_string(pick(5)))).string();
  };
  for (int i = 0; i < count; ++i) {
    const std::string a = name();
    switch (pick(12)) {
      case 0:
      case 1:
      case 2: {
        int fd = open(a.c_str(), O_CREAT | O_WRONLY, 0600 + pick(0100));
        if (fd < 0) break;
        std::string data(1 + pick(20000), static_cast<char>('a' + pick(26)));
        (void)!pwrite(fd, data.data(), data.size(), pick(3) == 0 ? (1 << 20) : pick(30000));
        close(fd);
        break;
      }
      case 3: (void)!truncate(a.c_str(), pick(40000)); break;
      case 4: unlink(a.c_str()); break;
      case 5: rename(a.c_str(), name().c_str()); break;
      case 6: mkdir(a.c_str(), 0700 + pick(077)); break;
      case 7: rmdir(a.c_str()); break;
      case 8: link(a.c_str(), name().c_str()); break;
      case 9: symlink("target-of-link", a.c_str()); break;
      case 10: chmod(a.c_str(), 0600 + pick(0177)); break;
      case 11: {
        const std::string value = std::to_string(pick(1000));
        lsetxattr(a.c_str(), "user.k", value.data(), value.size(), 0);
        break;
      }
    }
  }
}

}  // namespace haven::testing
