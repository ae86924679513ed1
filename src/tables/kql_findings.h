// The .kql rules of a scan (kql_rule.h), run over the evidence's tables:
// each result row is a finding on the host of its first record, its
// evidence the records behind the row (kql::Row::sources: through joins,
// summarize and distinct), its fields the row's columns, its time its
// first record's. The findings join the replayed hosts' own before the
// cross-host pass and are kept, tuned and given details as theirs are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kql/engine.h"
#include "pipeline/evidence.h"
#include "replay/scan.h"
#include "tables/evidence_catalog.h"
#include "tables/kql_rule.h"

namespace tables {

// What the evidence must hold for these rules: their tables (and every
// Security record when one reads SecurityEvent).
normalize::TableSet kql_tables_read(const std::vector<const KqlRule*>& rules);
bool kql_reads_every_record(const std::vector<const KqlRule*>& rules);

// now() of a query over this evidence: its latest event.
int64_t evidence_now(const pipeline::Evidence& evidence);

// The rules over one scan: their tables are built from the scan's own replay
// (sinks()), then run and their findings added (add_findings).
class KqlRuleScan {
 public:
  KqlRuleScan(const pipeline::Evidence& evidence, const std::vector<const KqlRule*>& rules,
              const replay::ScanFilter& filter, int threads, SpillOptions spill = {});
  ~KqlRuleScan();
  // For replay_hosts: each host's events to the rules' tables (empty: no rule).
  replay::HostSinks sinks();
  // Runs the rules and adds their findings to `replayed` (each host's
  // findings sorted again by time, then rule); returns the warnings: a rule
  // that did not run, and why; result rows no record is behind.
  std::vector<std::string> add_findings(replay::HostsReplayed& replayed);

 private:
  const pipeline::Evidence& evidence_;
  std::vector<const KqlRule*> rules_;
  const replay::ScanFilter& filter_;
  kql::RunOptions options_;
  std::unique_ptr<EvidenceCatalog> catalog_;
};

}  // namespace tables
