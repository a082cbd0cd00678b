#include "replication_session/manifest_reintegration.hpp"

#include <algorithm>
#include <memory>

#include "reintegration/manifest_codec.hpp"
#include "reintegration/ordered_submitter.hpp"
#include "reintegration/reintegration_plan.hpp"

namespace haven::replication_session {
namespace {

// The job's ordered submit as core/reintegration's interface.
class JobSubmitter final : public reintegration::OrderedSubmitter {
 public:
  explicit JobSubmitter(ReintegrationJob& job) : job_(job) {}
  Status run(const Produce& produce) override { return job_.submit_ordered(produce); }

 private:
  ReintegrationJob& job_;
};

nlohmann::json progress_json(const char* kind, const reintegration::ReintegrationProgress& p) {
  nlohmann::json j{{"kind", kind},
                   {"phase", "copying"},
                   {"bytes_done", p.bytes_done},
                   {"bytes_total", p.bytes_total},
                   {"files_done", p.files_done},
                   {"files_total", p.files_total},
                   {"bytes_per_second", p.bytes_per_second},
                   {"finished", p.finished}};
  if (p.seconds_remaining) j["seconds_remaining"] = *p.seconds_remaining;
  return j;
}

Result<reintegration::ReintegrationPlan> plan_for(const ReintegrationJob& job, const SecondaryManifest& secondary_manifest,
                                                  bool fast) {
  reintegration::ManifestOptions options;
  options.with_hashes = true;
  if (job.filter) {
    const auto* filter = job.filter;
    options.filter = [filter](std::string_view path, bool is_directory) { return filter->replicates(path, is_directory); };
  }
  if (fast) options.roots = reintegration::whole_paths(job.record);
  const std::string what = job.dir.string() + " on the primary";
  auto primary = reintegration::build_manifest(job.primary_fd, options, what);
  if (!primary.ok()) return std::move(primary).error();
  auto secondary = secondary_manifest(job, options);
  if (!secondary.ok()) return std::move(secondary).error();
  if (!fast) return reintegration::full_plan(*primary, *secondary);
  reintegration::ManifestOptions links_options;
  links_options.filter = options.filter;
  auto links = reintegration::build_manifest(job.primary_fd, links_options, what);
  if (!links.ok()) return std::move(links).error();
  return reintegration::fast_plan(job.record, *primary, *secondary, &*links);
}

}  // namespace

Reintegrate manifest_reintegration(SecondaryManifest secondary_manifest, reintegration::ReintegrationOptions options) {
  return [secondary_manifest = std::move(secondary_manifest), options](ReintegrationJob& job) -> Status {
    const bool fast = job.record_intact;
    const char* kind = fast ? "fast" : "full";
    // Hashing both trees comes first and may take a while: say so in `haven state`.
    if (job.report_progress) job.report_progress({{"kind", kind}, {"phase", "comparing"}});
    auto plan = plan_for(job, secondary_manifest, fast);
    if (!plan.ok())
      return fail(plan.error().code, std::string("cannot plan the ") + kind + " reintegration of " + job.dir.string() + ": " +
                                         plan.error().message);
    auto run_options = options;
    run_options.on_progress = [&job, kind](const reintegration::ReintegrationProgress& progress) {
      if (job.report_progress) job.report_progress(progress_json(kind, progress));
    };
    JobSubmitter submitter(job);
    reintegration::Reintegrator reintegrator(job.primary_fd, submitter, run_options);
    return reintegrator.run(*plan);
  };
}

SecondaryManifest networked_secondary_manifest() {
  return [](const ReintegrationJob& job, const reintegration::ManifestOptions& options) -> Result<reintegration::TreeManifest> {
    const std::string what = "the tree manifest of " + job.dir.string();
    if (!job.ask_secondary) return fail(Errc::internal, "cannot ask the secondary for " + what + ": the job has no link");
    auto answer = job.ask_secondary(reintegration::encode_manifest_request(options), what);
    if (!answer.ok()) return std::move(answer).error();
    auto manifest = reintegration::decode_manifest(*answer);
    if (!manifest.ok())
      return fail(manifest.error().code, "the secondary's answer for " + what + " (" + std::to_string(answer->size()) +
                                             " bytes): " + manifest.error().message);
    return manifest;
  };
}

Reintegrate networked_reintegration(const config::RfsConfig& rfs) {
  reintegration::ReintegrationOptions options;
  options.streams = static_cast<unsigned>(std::max(1, rfs.nbrei));
  options.allowed_kb_per_second = rfs.reiallowedbw && *rfs.reiallowedbw > 0 ? static_cast<std::uint64_t>(*rfs.reiallowedbw) : 0;
  if (rfs.reipacketsize > 0) options.packet_size = static_cast<std::uint64_t>(rfs.reipacketsize);
  return manifest_reintegration(networked_secondary_manifest(), std::move(options));
}

}  // namespace haven::replication_session
