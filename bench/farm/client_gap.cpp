#include "client_gap.hpp"

#include <algorithm>
#include <optional>

namespace haven::bench {

std::string served_node(const std::string& body) {
  static const std::string kMark = "served by ";
  const auto at = body.find(kMark);
  if (at == std::string::npos) return {};
  const auto from = at + kMark.size();
  const auto end = body.find_first_of("\r\n ", from);
  return body.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

std::map<std::string, std::set<std::string>> servers_by_source(const std::vector<HttpAnswer>& answers) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& a : answers)
    if (const auto node = served_node(a.body); !node.empty()) out[a.source].insert(node);
  return out;
}

std::vector<std::string> clients_of(const std::vector<HttpAnswer>& answers, const std::string& node) {
  std::vector<std::string> out;
  for (const auto& [source, nodes] : servers_by_source(answers))
    if (nodes.size() == 1 && *nodes.begin() == node) out.push_back(source);
  return out;
}

GapFigure longest_gap(const std::vector<std::string>& clients, const std::vector<HttpAnswer>& answers,
                      Clock::time_point death, const std::string& dead_node) {
  std::map<std::string, std::optional<Clock::time_point>> first;
  for (const auto& c : clients) first[c];
  for (const auto& a : answers) {
    auto it = first.find(a.source);
    if (it == first.end() || a.answered < death) continue;
    const auto node = served_node(a.body);
    if (node.empty() || node == dead_node) continue;
    if (!it->second || a.answered < *it->second) it->second = a.answered;
  }
  GapFigure out;
  out.clients = clients.size();
  for (const auto& [source, at] : first) {
    if (!at) {
      out.unanswered.push_back(source);
      continue;
    }
    const double ms = std::chrono::duration<double, std::milli>(*at - death).count();
    if (out.slowest_source.empty() || ms > out.longest_ms) {
      out.longest_ms = ms;
      out.slowest_source = source;
    }
  }
  return out;
}

double failed_share(long sent, long answered) {
  if (sent <= 0) return 0;
  return static_cast<double>(std::max(0L, sent - answered)) / static_cast<double>(sent);
}

}  // namespace haven::bench
