#include "replication_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

namespace haven::cli {
namespace {

constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};

// The unit human_bytes would pick for `bytes`, as a power of 1024.
int unit_of(double bytes) {
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit;
}

std::string in_unit(double bytes, int unit) {
  if (unit == 0) return std::to_string(static_cast<std::uint64_t>(bytes));
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", bytes / std::pow(1024.0, unit));
  return text;
}

std::string duration_text(double seconds) {
  const auto s = static_cast<std::uint64_t>(std::llround(std::max(0.0, seconds)));
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string((s % 3600) / 60) + " min";
}

std::uint64_t u64(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::uint64_t>() : 0;
}

double number(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

const nlohmann::json& dirs_of(const nlohmann::json& j) {
  static const nlohmann::json kNone = nlohmann::json::array();
  auto it = j.find("dirs");
  return it != j.end() && it->is_array() ? *it : kNone;
}

bool running(const nlohmann::json& progress) { return progress.is_object() && !progress.value("finished", false); }

// "full 42% (120.0/286.1 MiB, 35.2 MiB/s, 5 s left)" for one or several directories' progress.
std::string progress_text(const std::vector<const nlohmann::json*>& parts) {
  if (parts.empty()) return "";
  const std::string kind = parts.front()->value("kind", "");
  std::uint64_t done = 0, total = 0, entries_done = 0, entries_total = 0;
  double rate = 0;
  std::optional<double> left;
  bool copying = false, counting_entries = false;
  for (const auto* p : parts) {
    if (p->contains("entries_total")) {
      counting_entries = true;
      entries_done += u64(*p, "entries_done");
      entries_total += u64(*p, "entries_total");
      continue;
    }
    if (p->value("phase", "") != "copying") continue;
    copying = true;
    done += u64(*p, "bytes_done");
    total += u64(*p, "bytes_total");
    rate += number(*p, "bytes_per_second");
    if (p->contains("seconds_remaining")) left = std::max(left.value_or(0.0), number(*p, "seconds_remaining"));
  }
  std::string text = "reintegration " + kind;
  if (counting_entries && !copying)
    return text + " " + std::to_string(entries_done) + "/" + std::to_string(entries_total) + " entries";
  if (!copying) return text + ": comparing the primary's and the secondary's trees";
  const auto percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
  const int unit = unit_of(static_cast<double>(total));
  text += " " + std::to_string(percent) + "% (" + in_unit(static_cast<double>(done), unit) + "/" +
          in_unit(static_cast<double>(total), unit) + " " + kUnits[unit] + ", ";
  text += human_bytes(static_cast<std::uint64_t>(rate)) + "/s, ";
  text += left ? duration_text(*left) + " left)" : "time left not known yet)";
  return text;
}

std::string count(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  const int unit = unit_of(static_cast<double>(bytes));
  return in_unit(static_cast<double>(bytes), unit) + " " + kUnits[unit];
}

std::string replication_line(const nlohmann::json& replication) {
  if (!replication.is_object()) return "replication: not known";
  const std::string role = replication.value("role", "stopped");
  if (role != "primary" && role != "secondary") return "replication: stopped (the module runs neither as primary nor as secondary)";
  std::vector<const nlohmann::json*> active;
  bool lost = false, disconnected = false, stream_ended = false;
  std::string lost_reason;
  for (const auto& d : dirs_of(replication)) {
    if (auto it = d.find("reintegration"); it != d.end() && running(*it)) active.push_back(&*it);
    if (d.value("lost", false)) {
      lost = true;
      if (lost_reason.empty()) lost_reason = d.value("lost_reason", "");
    }
    if (d.contains("connected") && !d.value("connected", false)) disconnected = true;
    if (d.value("stream_ended", false)) stream_ended = true;
  }
  std::string line = "replication: " + role;
  // A primary that left its role: its mount refuses every change until it is gone.
  if (role == "primary" && replication.value("fenced", false)) return line + ", fenced (leaving the primary role: writes fail)";
  std::uint64_t held = 0;
  for (const auto& d : dirs_of(replication)) held += u64(d, "held");
  if (role == "primary" && held > 0)
    return line + ", secondary lost: " + count(held, "write waits", "writes wait") +
           " until this node goes on alone (ALONE, or the peer says it is behind) or leaves the role (they fail)";
  if (replication.value("in_sync", false)) return line + ", in sync";
  if (role == "primary" && !active.empty()) return line + ", " + progress_text(active);
  if (role == "primary" && replication.value("reintegrating", false)) return line + ", reintegration starting";
  line += ", not in sync";
  if (role == "primary") {
    if (lost) return line + " (secondary lost" + (lost_reason.empty() ? "" : ": " + lost_reason) + "; writes are recorded)";
    if (disconnected) return line + " (secondary not connected; writes are recorded for a fast reintegration)";
    return line;
  }
  if (stream_ended) return line + " (the primary's stream ended)";
  return line + " (waiting for the primary's reintegration)";
}

std::string replication_directory_lines(const nlohmann::json& replication, const std::string& indent) {
  std::string out;
  for (const auto& d : dirs_of(replication)) {
    std::string line = indent + d.value("dir", "?") + ": ";
    if (!d.value("mounted", false) && !d.contains("port")) {
      out += line + "not mounted\n";
      continue;
    }
    if (d.contains("connected")) {  // the primary's side
      if (d.value("connected", false)) line += "connected";
      else if (d.value("lost", false)) line += "lost (" + d.value("lost_reason", std::string("no reason given")) + ")";
      else line += "not connected";
      line += ", " + count(u64(d, "changes_sent"), "change", "changes") + " sent (" + human_bytes(u64(d, "bytes_sent")) + ")";
      if (u64(d, "changes_recorded") > 0 || !d.value("record_intact", true)) {
        line += ", " + count(u64(d, "changes_recorded"), "change", "changes") + " recorded";
        if (!d.value("record_intact", true)) line += " (record incomplete: the next reintegration is full)";
      }
    } else if (d.contains("port")) {  // the secondary's side
      line += "receiving on port " + std::to_string(u64(d, "port")) + ", " +
              count(u64(d, "applied"), "change", "changes") + " applied, " +
              (d.value("in_sync", false) ? "in sync" : "not in sync");
      if (d.value("stream_ended", false)) line += ", the primary's stream ended";
    } else {
      line += "mounted";
    }
    if (auto it = d.find("reintegration"); it != d.end() && running(*it)) line += ", " + progress_text({&*it});
    out += line + "\n";
  }
  return out;
}

std::string rfsdiff_text(const nlohmann::json& diff) {
  std::string out;
  std::uint64_t total_bytes = 0, total_actions = 0, dirs_to_send = 0;
  const auto& dirs = dirs_of(diff);
  for (const auto& d : dirs) {
    const auto& actions = d.contains("actions") && d["actions"].is_array() ? d["actions"] : nlohmann::json::array();
    const auto bytes = u64(d, "data_bytes");
    const std::string dir = d.value("dir", "?");
    if (actions.empty()) {
      out += dir + ": nothing to send, the secondary's copy is equal\n";
      continue;
    }
    ++dirs_to_send;
    total_bytes += bytes;
    total_actions += actions.size();
    out += dir + ": " + count(actions.size(), "action", "actions") + ", " + human_bytes(bytes) + " of data to send\n";
    for (const auto& a : actions) {
      char head[32];
      std::snprintf(head, sizeof head, "  %-11s ", a.value("action", "?").c_str());
      out += head + a.value("path", std::string("?"));
      if (a.value("action", "") == "data") out += "  (" + human_bytes(u64(a, "bytes")) + ")";
      out += "\n";
    }
  }
  if (total_actions == 0)
    out += "in sync: a full reintegration would send nothing (" + count(dirs.size(), "directory", "directories") + ")\n";
  else
    out += "a full reintegration would send " + human_bytes(total_bytes) + " of data in " +
           count(total_actions, "action", "actions") + ", in " + std::to_string(dirs_to_send) + " of " +
           count(dirs.size(), "directory", "directories") + "\n";
  return out;
}

bool rfsverify_all_equal(const nlohmann::json& verify) {
  for (const auto& d : dirs_of(verify))
    if (!d.value("equal", false)) return false;
  return true;
}

std::string rfsverify_text(const nlohmann::json& verify) {
  std::string out;
  std::uint64_t differing_paths = 0, differing_dirs = 0;
  const auto& dirs = dirs_of(verify);
  for (const auto& d : dirs) {
    const std::string dir = d.value("dir", "?");
    const auto& differences =
        d.contains("differences") && d["differences"].is_array() ? d["differences"] : nlohmann::json::array();
    if (d.value("equal", false) && differences.empty()) {
      out += dir + ": equal on the primary and the secondary\n";
      continue;
    }
    ++differing_dirs;
    differing_paths += differences.size();
    out += dir + ": " + count(differences.size(), "path differs", "paths differ") + "\n";
    for (const auto& x : differences) out += "  " + x.value("path", std::string("?")) + ": " + x.value("what", std::string("?")) + "\n";
  }
  if (differing_dirs == 0)
    out += "verified: the secondary's copy is equal to the primary's (" + count(dirs.size(), "directory", "directories") + ")\n";
  else
    out += "NOT equal: " + count(differing_paths, "path differs", "paths differ") + " in " + std::to_string(differing_dirs) +
           " of " + count(dirs.size(), "directory", "directories") + "\n";
  return out;
}

}  // namespace haven::cli
