// A scan's findings in bounded memory. Each host's findings, once replayed
// and sorted, are encoded (finding_codec.h) in blocks: kept in memory while
// all blocks fit in the budget, past it written to a spill file of the run's
// temporary folder. Output reads them back in order one at a time: hosts in
// order, a host's by time then rule (its own findings merged with those added
// after its replay, e.g. KQL rules'), or every host's by time (--sort time, a
// merge of the hosts' runs). Findings with a link end (few: movements between
// hosts) are also kept whole in memory for the cross-host pass, which sets
// their links; reading gives those linked copies. The order and the findings
// are those of an in-memory scan for any budget.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "replay/finding_list.h"

namespace replay {

// How a host's findings are ordered (and scan writes them): by time, then rule id.
bool before_in_host(const Finding& a, const Finding& b);

// Encoded runs of findings, in memory up to a budget, then in a file.
class FindingStore {
 public:
  // `new_file`: a fresh spill file name (null: never spill).
  FindingStore(size_t memory_bytes, std::function<std::filesystem::path()> new_file);
  ~FindingStore();
  FindingStore(const FindingStore&) = delete;
  FindingStore& operator=(const FindingStore&) = delete;

  // Stores a run; thread-safe. Throws store::SpillError when the file cannot be written.
  uint32_t add(const std::vector<Finding>& findings);
  size_t size(uint32_t run) const;
  // The run's findings with a link end, whole (index in the run, finding),
  // for the cross-host pass; given once.
  std::vector<std::pair<size_t, Finding>> take_link_ends(uint32_t run);
  uint64_t spilled_bytes() const { return spilled_; }

  class Cursor;  // a run read one finding at a time

 private:
  friend class Cursor;
  struct Block {
    std::string bytes;  // in memory, or empty when in the file
    uint64_t offset = 0;
    uint32_t size = 0, count = 0;
  };
  struct Run {
    std::vector<Block> blocks;
    size_t count = 0;
    std::vector<std::pair<size_t, Finding>> link_ends;
  };
  std::string read_block(const Block& b) const;

  size_t memory_bytes_, in_memory_ = 0;
  std::function<std::filesystem::path()> new_file_;
  mutable std::mutex mu_;
  std::vector<Run> runs_;
  int fd_ = -1;
  std::string path_;
  uint64_t spilled_ = 0;
};

class ScanFindings : public FindingList {
 public:
  ScanFindings() = default;
  ScanFindings(ScanFindings&&) = default;
  ScanFindings& operator=(ScanFindings&&) = default;

  size_t size() const override { return count_; }
  // Hosts in order, a host's by time then rule.
  void for_each(const std::function<void(const Finding&)>& fn) const override;
  // That order stably sorted by time (--sort time).
  void for_each_by_time(const std::function<void(const Finding&)>& fn) const;
  // Every finding, decoded (tests; the HTML report, which orders them all).
  std::vector<Finding> all() const;
  uint64_t spilled_bytes() const { return store_ ? store_->spilled_bytes() : 0; }

  // One host's part: a stored run and findings kept in memory, each sorted by
  // time then rule (the merge keeps the run's first on ties).
  struct Host {
    std::optional<uint32_t> run;
    std::vector<Finding> kept;
  };
  // Builds from the hosts' parts (in host order); links the findings with a
  // link end through `link` (link_findings over them, in output order).
  ScanFindings(std::shared_ptr<FindingStore> store, std::vector<Host> hosts,
               const std::function<void(std::vector<Finding>&)>& link);

 private:
  class HostCursor;
  std::shared_ptr<const FindingStore> store_;
  std::vector<Host> hosts_;
  // The linked copies: by host, the position in its merged order.
  std::vector<std::vector<std::pair<size_t, Finding>>> linked_;
  size_t count_ = 0;
};

}  // namespace replay
