// A .safe module archive (zip, tar, ...) as downloaded by an administrator: read one member,
// extract it, and check that nothing written ever leaves the module's folder.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "fuzz_check.hpp"
#include "module_store/module_archive_reader.hpp"

namespace fs = std::filesystem;

namespace {

// Small bounds: the same code paths as the real ones, without filling the disk per input.
constexpr haven::ArchiveLimits kLimits{64, 1u << 20, 4u << 20};

// One folder per fuzzing process, on tmpfs when there is one (extraction fsyncs every file).
const fs::path& work_folder() {
  static const fs::path folder = [] {
    std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string pattern = base + "/haven-fuzz-archive-XXXXXX";
    HAVEN_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot make a work folder in " + base);
    std::atexit([] { std::error_code ec; fs::remove_all(work_folder(), ec); });
    return fs::path(pattern);
  }();
  return folder;
}

bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.lexically_normal().string();
  auto s = p.lexically_normal().string();
  return s == r || s.rfind(r + "/", 0) == 0;
}

void check_extracted_tree(const fs::path& dest) {
  const fs::path root = fs::canonical(dest);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dest, ec); !ec && it != fs::end(it); it.increment(ec)) {
    const fs::path& p = it->path();
    struct stat st {};
    HAVEN_FUZZ_CHECK(::lstat(p.c_str(), &st) == 0, "cannot lstat " + p.string());
    auto type = st.st_mode & S_IFMT;
    HAVEN_FUZZ_CHECK(type == S_IFREG || type == S_IFDIR || type == S_IFLNK,
                     "extraction made a device, fifo or socket: " + p.string());
    HAVEN_FUZZ_CHECK((st.st_mode & (S_ISUID | S_ISGID | S_ISVTX)) == 0,
                     "extraction kept a setuid, setgid or sticky bit: " + p.string());
    if (type == S_IFLNK) {
      // Resolved as the kernel would, through every other link: it must stay in the module.
      auto resolved = fs::weakly_canonical(p, ec);
      HAVEN_FUZZ_CHECK(!ec, "cannot resolve link " + p.string() + ": " + ec.message());
      HAVEN_FUZZ_CHECK(inside(root, resolved),
                       "link " + p.string() + " leads outside the module, to " + resolved.string());
    }
  }
  HAVEN_FUZZ_CHECK(!ec, "cannot walk the extracted folder " + dest.string() + ": " + ec.message());
}

std::string file_content(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path& work = work_folder();
  const fs::path archive = work / "module.safe";
  const fs::path dest = work / "module";
  {
    std::ofstream out(archive, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }

  auto member = haven::read_archive_member(archive, "conf/userconfig.xml", kLimits);

  std::error_code ec;
  fs::create_directory(dest, ec);
  HAVEN_FUZZ_CHECK(!ec, "cannot make " + dest.string() + ": " + ec.message());
  auto extracted = haven::extract_module_archive(archive, dest, kLimits);

  // Whatever happened, nothing was written beside the module's folder.
  for (const auto& entry : fs::directory_iterator(work))
    HAVEN_FUZZ_CHECK(entry.path() == archive || entry.path() == dest,
                     "extraction wrote outside its folder: " + entry.path().string());

  // Both readers apply the same checks, so they accept and refuse the same archives.
  bool member_refused = !member.ok() && member.error().code != haven::Errc::not_found;
  HAVEN_FUZZ_CHECK(member_refused == !extracted.ok(),
                   std::string("read_archive_member ") + (member_refused ? "refused" : "accepted") +
                       " the archive but extract_module_archive " +
                       (extracted.ok() ? "accepted" : "refused") + " it: " +
                       (member.ok() ? std::string() : member.error().message) + " / " +
                       (extracted.ok() ? std::string() : extracted.error().message));
  if (extracted.ok()) {
    check_extracted_tree(dest);
    if (member.ok())
      HAVEN_FUZZ_CHECK(member.value() == file_content(dest / "conf" / "userconfig.xml"),
                       "read_archive_member and the extracted conf/userconfig.xml differ");
  }

  // Folders may have been extracted read-only; make them writable so they can be removed.
  for (auto it = fs::recursive_directory_iterator(dest, ec); !ec && it != fs::end(it); it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(dest, ec);
  HAVEN_FUZZ_CHECK(!ec, "cannot clean " + dest.string() + ": " + ec.message());
  return 0;
}
