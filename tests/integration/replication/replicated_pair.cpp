#include "replicated_pair.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "replication_apply/tree_comparison.hpp"
#include "wait_until.hpp"

namespace haven::test {

bool write_whole_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return out.good();
}

std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string pseudo_random(std::size_t size, std::uint32_t seed) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(((i + seed) * 2654435761u) >> 13);
  return data;
}

bool can_replicate(std::string& why) {
  if (::geteuid() != 0) {
    why = "not root: FUSE mounts need it";
    return false;
  }
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    why = "no /dev/fuse here";
    return false;
  }
  return true;
}

ReplicatedPair::ReplicatedPair(int heart_port, int module_id, const std::string& rfs_attributes) {
  char tmpl[] = "/tmp/haven-rp-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("cannot make a scratch folder under /tmp");
  scratch_ = tmpl;
  data1_ = scratch_ / "node1-data";
  data2_ = scratch_ / "node2-data";
  std::filesystem::create_directories(data1_);
  std::filesystem::create_directories(data2_);
  MirrorPairSettings s;
  s.heart_port = heart_port;
  s.cluster_port = heart_port + 50;
  s.pulse = "100ms";
  s.timeout = "1s";
  s.service_children = "<rfs " + rfs_attributes + "><replicated dir=\"%PAIR_DATA%\" mode=\"read_only\"/></rfs>";
  s.node_env = {Env{{"PAIR_DATA", data1_.string()}}, Env{{"PAIR_DATA", data2_.string()}}};
  s.module_id = module_id;
  nodes_ = std::make_unique<MirrorPairNodes>(s);
}

ReplicatedPair::~ReplicatedPair() {
  nodes_.reset();  // stops both havend: their agents unmount
  for (const auto& d : {data1_, data2_}) ::umount2(d.c_str(), MNT_DETACH);  // left by a killed agent
  std::error_code ec;
  std::filesystem::remove_all(scratch_, ec);
}

PolledState ReplicatedPair::wait_state(int n, const std::string& state, const std::string& substate,
                                       std::chrono::milliseconds timeout) {
  PolledState seen;
  wait_until([&] {
    seen = nodes_->poll(n);
    return seen.state == state && (substate.empty() || seen.substate == substate);
  }, timeout);
  return seen;
}

std::string ReplicatedPair::differences() {
  auto diffs = replication::compare_trees(data1_, data2_);
  if (!diffs.ok()) return diffs.error().message;
  std::string out;
  for (const auto& d : *diffs) out += replication::describe(d) + "\n";
  return out;
}

}  // namespace haven::test
