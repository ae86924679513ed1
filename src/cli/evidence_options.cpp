#include "cli/evidence_options.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

namespace po = boost::program_options;

namespace cli {

size_t default_memory_mib() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t ram_mib = pages > 0 && page > 0 ? static_cast<size_t>(pages) / (1u << 20) * static_cast<size_t>(page) : 1024;
  return std::clamp<size_t>(ram_mib / 8, 32, 128);
}

void EvidenceOptions::add_to(po::options_description& opts) {
  opts.add_options()("threads,t", po::value(&threads)->default_value(threads),
                     "worker threads (0: all cores; at most 4 per core)")(
      "memory", po::value(&memory_mib)->default_value(memory_mib),
      "memory budget in MiB for events held in memory; beyond it they are spilled to --temp-dir "
      "(default: RAM/8, 32..128)")(
      "temp-dir", po::value(&temp_dir), "folder for spill files (default: $TMPDIR or /tmp); removed at exit");
}

std::optional<std::string> EvidenceOptions::check() const {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads < 0 || threads > cores * 4)
    return "--threads must be 0 (all cores) or 1.." + std::to_string(cores * 4);
  if (memory_mib < 1) return "--memory must be at least 1 (MiB)";
  return std::nullopt;
}

pipeline::ReadOptions EvidenceOptions::read_options(bool every_record) const {
  pipeline::ReadOptions o;
  o.threads = threads;
  o.every_record = every_record;
  o.store.memory_bytes = memory_mib << 20;
  o.store.temp_dir = temp_dir;
  return o;
}

}  // namespace cli
