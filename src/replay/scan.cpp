#include "replay/scan.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

#include "replay/finding_details.h"
#include "replay/link.h"
#include "text/glob.h"

namespace replay {

bool FindingFilter::keeps(Finding& f, TuningCounts* counts) const {
  if (!rules.empty() && std::none_of(rules.begin(), rules.end(), [&](const std::string& g) {
        return text::glob_match(g, f.rule_id) || text::glob_match(g, f.title);
      }))
    return false;
  if (tuning) {
    TuningCounts scratch;
    if (!counts) {
      scratch = tuning->counts();
      counts = &scratch;
    }
    if (!tuning->apply(f, *counts)) return false;
  }
  return !min_level || f.level >= *min_level;
}

bool ScanFilter::keeps(Finding& f, TuningCounts* counts) const {
  if (!events.keeps_time(f.timestamp) || !findings.keeps(f, counts)) return false;
  if (events.event_ids.empty() && events.channels.empty()) return true;
  return std::any_of(f.evidence.begin(), f.evidence.end(), [&](const EvidenceStep& e) {
    const normalize::NormalizedEvent& ev = *e.event;
    return events.keeps_event(ev.timestamp(), static_cast<uint16_t>(ev[normalize::Field::EventID].i),
                              ev[normalize::Field::Channel].s);
  });
}

std::vector<const pipeline::Host*> kept_hosts(const pipeline::Evidence& evidence, const pipeline::EventFilter& f) {
  std::vector<const pipeline::Host*> out;
  for (const pipeline::Host& h : evidence.hosts) {
    std::vector<std::string_view> names;
    for (uint32_t id : h.computer_ids) names.push_back(evidence.store.pool().at(id));
    if (f.keeps_host(names)) out.push_back(&h);
  }
  return out;
}

void for_each_host(const std::vector<const pipeline::Host*>& hosts, int threads,
                   const std::function<void(size_t, const pipeline::Host&)>& fn) {
  int n = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(n);
  arena.execute([&] { tbb::parallel_for(size_t(0), hosts.size(), size_t(1), [&](size_t h) { fn(h, *hosts[h]); }); });
}

HostIdentity host_identity(const pipeline::Evidence& evidence, const pipeline::Host& host,
                           std::set<std::string> addresses) {
  HostIdentity id;
  id.device_id = host.key;
  for (uint32_t c : host.computer_ids) id.names.emplace_back(evidence.store.pool().at(c));
  id.addresses = std::move(addresses);
  return id;
}

namespace {

bool in_shard(const pipeline::Evidence& evidence, const pipeline::Host& h,
              const std::optional<std::vector<std::string>>& names) {
  if (!names) return true;
  return std::any_of(h.computer_ids.begin(), h.computer_ids.end(), [&](uint32_t id) {
    return std::find(names->begin(), names->end(), evidence.store.pool().at(id)) != names->end();
  });
}

}  // namespace

HostsReplayed replay_hosts(const pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules,
                           int threads, const ScanFilter& filter, const sigma::RuleSet* sigma, const HostSinks& sinks,
                           std::shared_ptr<FindingStore> store) {
  std::vector<const pipeline::Host*> hosts = kept_hosts(evidence, filter.events);
  std::erase_if(hosts, [&](const pipeline::Host* h) { return !in_shard(evidence, *h, filter.shard_hosts); });
  std::vector<HostResult> results(hosts.size());
  std::vector<TuningCounts> counts(hosts.size());
  std::vector<std::optional<uint32_t>> runs(hosts.size());
  for_each_host(hosts, threads, [&](size_t i, const pipeline::Host& host) {
    pipeline::HostStream stream(evidence, host);
    HostResult& r = results[i];
    r = replay_host(stream, rules, sinks ? sinks(host) : EventSink{}, sigma);
    std::stable_sort(r.findings.begin(), r.findings.end(), before_in_host);
    if (filter.findings.tuning) counts[i] = filter.findings.tuning->counts();
    std::erase_if(r.findings, [&](Finding& f) { return !filter.keeps(f, &counts[i]); });
    attach_details(evidence, host, r.findings, filter.all_fields);
    if (store) {  // out of memory once replayed
      runs[i] = store->add(r.findings);
      std::vector<Finding>().swap(r.findings);
    }
  });
  HostsReplayed out;
  out.store = std::move(store);
  if (filter.findings.tuning) out.tuning = filter.findings.tuning->counts();
  for (size_t i = 0; i < hosts.size(); ++i) {
    HostResult& r = results[i];
    out.duplicates_dropped += r.duplicates_dropped;
    out.merged_processes += r.merged_processes;
    out.tuning.add(counts[i]);
    HostFindings& h = out.hosts.emplace_back();
    h.host = hosts[i];
    h.identity = host_identity(evidence, *hosts[i], std::move(r.addresses));
    h.findings = std::move(r.findings);
    h.run = runs[i];
  }
  return out;
}

ScanResult link_hosts(HostsReplayed replayed) {
  ScanResult out;
  out.hosts = replayed.hosts.size();
  out.duplicates_dropped = replayed.duplicates_dropped;
  out.merged_processes = replayed.merged_processes;
  out.tuning = std::move(replayed.tuning);
  std::vector<HostIdentity> identities;
  std::vector<ScanFindings::Host> parts;
  for (HostFindings& h : replayed.hosts) {
    identities.push_back(std::move(h.identity));
    parts.push_back({h.run, std::move(h.findings)});
  }
  out.findings = ScanFindings(std::move(replayed.store), std::move(parts),
                              [&](std::vector<Finding>& ends) { link_findings(ends, identities); });
  return out;
}

ScanResult scan_evidence(const pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules, int threads,
                         const ScanFilter& filter, const sigma::RuleSet* sigma) {
  return link_hosts(replay_hosts(evidence, rules, threads, filter, sigma));
}

}  // namespace replay
