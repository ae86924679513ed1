// The options of every command that reads evidence into the event store:
// --threads, --memory and --temp-dir, and the default memory budget.
#pragma once

#include <boost/program_options.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "pipeline/evidence.h"

namespace cli {

// The default budget: an eighth of the machine's RAM, at most 128 MiB and at
// least 32 MiB (so a scan stays near 256 MiB of resident memory whatever the
// input; more memory only means fewer spill files).
size_t default_memory_mib();

struct EvidenceOptions {
  int threads = 0;
  size_t memory_mib = default_memory_mib();
  std::string temp_dir;

  void add_to(boost::program_options::options_description& opts);
  // A usage error message, or nullopt when the values are valid.
  std::optional<std::string> check() const;
  pipeline::ReadOptions read_options(bool every_record) const;
};

}  // namespace cli
