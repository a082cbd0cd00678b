#include "config/placeholders.hpp"
#include "config/user_config_sections.hpp"

namespace haven::config {
namespace {

ReplicatedDir read_replicated(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  ReplicatedDir d;
  d.line = node.line;
  if (auto dir = r.required("dir", "dir=\"/absolute/path\" of the folder to replicate")) {
    // Windows paths are template placeholders, reported as such by the loader.
    if (dir->front() != '/' && !looks_like_windows_path(*dir))
      r.bad_value("dir", *dir, "expected an absolute path such as /var/lib/app");
    d.dir = *dir;
  }
  d.read_only = r.choice<bool>("mode", {{"read_only", true}, {"read_write", false}}, false);
  for (const ConfigNode* t : r.children("tocheck")) {
    ElementReader tr(*t, diags);
    if (auto p = tr.required("path", "path=\"relative/path\" inside the replicated folder")) d.tocheck.push_back(*p);
    tr.finish();
  }
  for (const ConfigNode* n : r.children("notreplicated")) {
    ElementReader nr(*n, diags);
    NotReplicated item;
    auto path = nr.text("path");
    auto regex = nr.text("regexpath");
    if (path && regex)
      diags.error(*n, "<notreplicated> has both path and regexpath; expected exactly one of them");
    else if (!path && !regex)
      diags.error(*n, "<notreplicated> has neither path nor regexpath; expected path=\"relative/path\" or "
                      "regexpath=\"ERE\"");
    else {
      item.path = path.value_or("");
      item.regexpath = regex.value_or("");
      d.notreplicated.push_back(std::move(item));
    }
    nr.finish();
  }
  r.finish();
  return d;
}

}  // namespace

RfsConfig read_rfs(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  RfsConfig f;
  f.line = node.line;
  f.acl = r.on_off("acl", false);
  f.async = r.choice<AsyncMode>("async", {{"second", AsyncMode::second}, {"none", AsyncMode::none}}, AsyncMode::second);
  f.locktimeout = r.duration("locktimeout", f.locktimeout, DurationUnit::seconds, kTimeoutBounds);
  f.sendtimeout = r.duration("sendtimeout", f.sendtimeout, DurationUnit::seconds, kTimeoutBounds);
  f.nbrei = static_cast<int>(r.integer("nbrei", 6, 1, 1024));
  f.nbremconn = static_cast<int>(r.integer("nbremconn", 1, 1, 1024));
  f.reipacketsize = r.integer("reipacketsize", f.reipacketsize, 4096, 1LL << 32);
  f.ruzone_blocksize = r.integer("ruzone_blocksize", f.ruzone_blocksize, 4096, 1LL << 32);
  f.namespacepolicy = r.choice<int>("namespacepolicy", {{"0", 0}, {"1", 1}, {"3", 3}, {"4", 4}}, 4);
  f.reitimeout = r.duration("reitimeout", f.reitimeout, DurationUnit::seconds, kTimeoutBounds);
  f.reidetail = r.on_off("reidetail", false);
  f.reiallowedbw = r.optional_integer("reiallowedbw", 1, 1LL << 40);
  f.syncdelta = r.duration("syncdelta", f.syncdelta, DurationUnit::minutes);
  f.syncat = r.text_or("syncat", "");
  f.scripts = r.on_off("scripts", false);
  f.checktime = r.duration("checktime", f.checktime, DurationUnit::milliseconds, kTimeoutBounds);
  f.checkintv = r.duration("checkintv", f.checkintv, DurationUnit::seconds, kIntervalBounds);
  f.reicommit = r.integer("reicommit", 0, 0, 1LL << 40);
  f.packetsize = r.optional_integer("packetsize", 512, 1LL << 32);
  f.mountoversuffix = r.text_or("mountoversuffix", f.mountoversuffix);
  f.killholders = r.on_off("killholders", false);
  f.setid = r.on_off("setid", false);
  f.devices = r.on_off("devices", false);
  for (const char* windows : {"iotimeout", "roflags", "allocthreshold", "nfsbox_options"}) {
    if (auto v = r.text(windows)) {
      f.windows_only[windows] = *v;
      diags.warning(node, windows, "applies to Windows only; ignored on Linux");
    }
  }
  for (const ConfigNode* d : r.children("replicated")) f.replicated.push_back(read_replicated(*d, diags));
  if (const ConfigNode* flow = r.unique_child("flow")) {
    ElementReader fr(*flow, diags);
    f.flow = fr.required("name", "name=\"LAN\", the heartbeat lan replication uses").value_or("");
    fr.finish();
  }
  for (std::size_t i = 0; i < f.replicated.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (!f.replicated[i].dir.empty() && f.replicated[i].dir == f.replicated[j].dir)
        diags.add(Severity::error, f.replicated[i].line, node.path + "/replicated@dir",
                  "\"" + f.replicated[i].dir + "\" is replicated twice (first on line " +
                      std::to_string(f.replicated[j].line) + "); keep one");
  if (f.replicated.empty())
    diags.warning(node, "<rfs> lists no <replicated dir=\"...\"/>; nothing will be replicated");
  r.finish();
  return f;
}

}  // namespace haven::config
