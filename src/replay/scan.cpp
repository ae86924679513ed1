#include "replay/scan.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

#include "replay/host_replay.h"

namespace replay {

ScanResult scan_evidence(const pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules, int threads) {
  const std::vector<pipeline::Host>& hosts = evidence.hosts;
  std::vector<HostResult> results(hosts.size());
  int n = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(n);
  arena.execute([&] {
    tbb::parallel_for(size_t(0), hosts.size(), size_t(1), [&](size_t h) {
      pipeline::HostStream stream(evidence, hosts[h]);
      results[h] = replay_host(stream, rules);
    });
  });
  ScanResult out;
  out.hosts = hosts.size();
  for (HostResult& r : results) {
    out.duplicates_dropped += r.duplicates_dropped;
    out.merged_processes += r.merged_processes;
    std::stable_sort(r.findings.begin(), r.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.timestamp < b.timestamp; });
    for (Finding& f : r.findings) out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace replay
