// After a split brain, what a node wrote ALONE is kept in a dated conflicts folder before it
// becomes secondary and receives the other side's tree.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "replication/changed_regions.hpp"
#include "session_pair.hpp"

using haven::replication_session::BecomeSecondaryOptions;
using haven::replication_session::ReplicationSession;
using haven::replication_session::ReplicationSessionOptions;

namespace {

struct Scratch {
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-conflicts-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()));
    root = pattern;
    std::filesystem::create_directories(dir());
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  std::filesystem::path dir() const { return root / "data"; }
  std::filesystem::path var() const { return root / "var"; }
  std::filesystem::path root;
};

std::unique_ptr<ReplicationSession> session_over(const Scratch& scratch) {
  ReplicationSessionOptions o;
  haven::config::ReplicatedDir dir;
  dir.dir = scratch.dir().string();
  dir.line = 12;
  haven::config::NotReplicated local;
  local.path = "cache";
  dir.notreplicated.push_back(local);
  o.rfs.replicated.push_back(dir);
  auto key = haven::generate_cluster_key();
  REQUIRE(key.ok());
  o.key = *key;
  o.module = "mirror";
  o.local_address = "127.0.0.1";
  o.peer_address = "127.0.0.1";
  o.timeout = std::chrono::milliseconds(1500);
  o.var_dir = scratch.var();
  auto made = ReplicationSession::create(o, {});
  REQUIRE(made.ok());
  return std::move(*made);
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The one folder below <var>/conflicts, named <stamp>_<node>.
std::filesystem::path only_conflicts_folder(const Scratch& scratch) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(scratch.var() / "conflicts")) found.push_back(entry.path());
  REQUIRE(found.size() == 1);
  return found.front();
}

}  // namespace

TEST_CASE("becoming secondary after a split brain keeps aside what this node wrote alone, attributes and links kept",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  Scratch scratch;
  std::ofstream(scratch.dir() / "untouched") << "written before, by both";
  auto session = session_over(scratch);
  REQUIRE(session->become_primary(false).ok());  // ALONE: every change recorded
  const auto dir = scratch.dir();
  std::filesystem::create_directories(dir / "orders" / "2026");
  std::ofstream(dir / "orders" / "2026" / "o-1") << "order written alone";
  REQUIRE(chmod((dir / "orders" / "2026" / "o-1").c_str(), 0640) == 0);
  REQUIRE(setxattr((dir / "orders" / "2026" / "o-1").c_str(), "user.origin", "node2", 5, 0) == 0);
  REQUIRE(link((dir / "orders" / "2026" / "o-1").c_str(), (dir / "orders" / "latest").c_str()) == 0);
  REQUIRE(symlink("orders/latest", (dir / "shortcut").c_str()) == 0);
  {
    std::ofstream append(dir / "untouched", std::ios::app);
    append << ", appended alone";
  }
  std::filesystem::create_directories(dir / "cache");
  std::ofstream(dir / "cache" / "tmp") << "local only";
  REQUIRE(haven::replication_session::testing::settle(dir));
  REQUIRE(session->stop().ok());

  BecomeSecondaryOptions become;
  become.keep_aside = "node2";
  REQUIRE(session->become_secondary(become).ok());
  const auto folder = only_conflicts_folder(scratch);
  CHECK(session->conflicts_folder() == folder);
  CHECK(folder.filename().string().ends_with("Z_node2"));
  const auto kept = folder / "0-data";
  CHECK(read(kept / "orders" / "2026" / "o-1") == "order written alone");
  CHECK(read(kept / "untouched") == "written before, by both, appended alone");
  struct stat first {}, second {};
  REQUIRE(lstat((kept / "orders" / "2026" / "o-1").c_str(), &first) == 0);
  REQUIRE(lstat((kept / "orders" / "latest").c_str(), &second) == 0);
  CHECK((first.st_mode & 07777) == 0640);
  CHECK(first.st_ino == second.st_ino);  // still one node with two names
  char origin[16] = {};
  CHECK(getxattr((kept / "orders" / "2026" / "o-1").c_str(), "user.origin", origin, sizeof origin) == 5);
  CHECK(std::string(origin) == "node2");
  CHECK(std::filesystem::is_symlink(kept / "shortcut"));
  CHECK(std::filesystem::read_symlink(kept / "shortcut") == "orders/latest");
  CHECK_FALSE(std::filesystem::exists(kept / "cache"));  // <notreplicated>: never overwritten anyway
  REQUIRE(session->stop().ok());

  // The record was emptied: becoming secondary again keeps nothing more.
  auto record = haven::replication::ChangedRegionsLog::open(scratch.var() / "replication" / "changed-regions-0.log");
  REQUIRE(record.ok());
  CHECK(record->intact());
  CHECK(record->regions().empty());
}

TEST_CASE("with a damaged record the whole directory is kept aside", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  Scratch scratch;
  std::filesystem::create_directories(scratch.dir() / "sub");
  std::ofstream(scratch.dir() / "sub" / "a") << "aaa";
  std::ofstream(scratch.dir() / "b") << "bb";
  std::filesystem::create_directories(scratch.var() / "replication");
  std::ofstream(scratch.var() / "replication" / "changed-regions-0.log") << "not a record";
  auto session = session_over(scratch);
  BecomeSecondaryOptions become;
  become.keep_aside = "node1";
  REQUIRE(session->become_secondary(become).ok());
  const auto kept = only_conflicts_folder(scratch) / "0-data";
  CHECK(read(kept / "sub" / "a") == "aaa");
  CHECK(read(kept / "b") == "bb");
  REQUIRE(session->stop().ok());
}

TEST_CASE("without a record, or without keep_aside, nothing is kept", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  Scratch scratch;
  std::ofstream(scratch.dir() / "b") << "bb";
  auto session = session_over(scratch);
  BecomeSecondaryOptions become;
  become.keep_aside = "node1";
  REQUIRE(session->become_secondary(become).ok());
  CHECK_FALSE(std::filesystem::exists(scratch.var() / "conflicts"));
  CHECK(session->conflicts_folder().empty());
  REQUIRE(session->stop().ok());
}

TEST_CASE("a second keeping aside within the same second gets a folder of its own", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  Scratch scratch;
  std::ofstream(scratch.dir() / "b") << "bb";
  auto session = session_over(scratch);
  BecomeSecondaryOptions become;
  become.keep_aside = "node1";
  for (int round = 0; round < 2; ++round) {
    std::filesystem::create_directories(scratch.var() / "replication");
    std::ofstream(scratch.var() / "replication" / "changed-regions-0.log") << "damaged again";
    REQUIRE(session->become_secondary(become).ok());
    REQUIRE(session->stop().ok());
  }
  std::vector<std::filesystem::path> folders;
  for (const auto& entry : std::filesystem::directory_iterator(scratch.var() / "conflicts")) folders.push_back(entry.path());
  REQUIRE(folders.size() == 2);
  for (const auto& folder : folders) CHECK(read(folder / "0-data" / "b") == "bb");
}
