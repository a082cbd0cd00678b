#include "clang_query_runs.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace haven::config::consumption {

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string hex(std::uint64_t v) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A translation unit that did not parse would hide the uses after the error.
std::string parse_failure(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.find(": error: ") != std::string::npos || line.rfind("Error while processing", 0) == 0 ||
        line.rfind("Error ", 0) == 0)
      return line;
  if (text.find(" match") == std::string::npos) return "no \"N matches.\" line in clang-query's output";
  return {};
}

}  // namespace

void Digest::add(std::string_view bytes) {
  for (unsigned char c : bytes) {
    value_ ^= c;
    value_ *= 1099511628211ULL;
  }
  value_ ^= 0xff;  // so that "ab","c" and "a","bc" differ
  value_ *= 1099511628211ULL;
}

void Digest::add_file(const fs::path& file) {
  add(file.string());
  add(read_all(file));
}

QueryOutput ClangQueryRuns::run_one(const QueryJob& job) const {
  Digest key;
  key.add(program_.filename().string());  // the same program, however the caller spells its path
  key.add(job.script);
  key.add(std::to_string(job.inputs));
  const std::string key_line = "key " + hex(key.value());

  Digest name;
  name.add(job.source.string());
  name.add(job.name);
  const fs::path cached = cache_dir_ / (job.name + "-" + job.source.stem().string() + "-" + hex(name.value()) + ".txt");
  {
    std::ifstream in(cached);
    std::string first;
    if (std::getline(in, first) && first == key_line)
      return QueryOutput{std::string(std::istreambuf_iterator<char>(in), {}), true, {}};
  }

  const fs::path script = cached.string() + ".query";
  const fs::path output = cached.string() + ".out";
  std::ofstream(script) << job.script;
  const std::string command = quoted(program_) + " -p " + quoted(build_dir_) + " -f " + quoted(script) + " " +
                              quoted(job.source) + " > " + quoted(output) + " 2>&1";
  const int status = std::system(command.c_str());
  QueryOutput out{read_all(output), false, {}};
  fs::remove(script);
  fs::remove(output);
  out.failure = status != 0 ? "clang-query exited with status " + std::to_string(status) : parse_failure(out.text);
  if (out.failure.empty()) std::ofstream(cached) << key_line << '\n' << out.text;
  return out;
}

std::vector<QueryOutput> ClangQueryRuns::run(const std::vector<QueryJob>& jobs, unsigned workers) const {
  fs::create_directories(cache_dir_);
  std::vector<QueryOutput> outputs(jobs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) outputs[i] = run_one(jobs[i]);
  };
  std::vector<std::thread> threads;
  for (unsigned w = 1; w < std::max(workers, 1U); ++w) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return outputs;
}

}  // namespace haven::config::consumption
