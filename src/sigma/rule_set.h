// Sigma rules compiled for matching records where they are read.
//
// Rules are grouped by the kind of record they read (logsources.h): a record
// is tested only against the rules of its provider / channel and event id.
// Within a group, every string test of every rule on one field is an atom of
// that field's Hyperscan databases (field_db.h): a field's text is scanned
// once for all of them; only the rules an atom that matched can trigger
// (prefilter.h) are evaluated, reading which atoms matched. Regular
// expressions run in RE2 (linear time, no backtracking) where one of their
// literals matched; numbers, CIDR ranges, exists, null and field references
// are tested directly (typed_values.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/field_db.h"
#include "sigma/field_source.h"
#include "sigma/placeholders.h"
#include "sigma/sigma_loader.h"
#include "sigma/sigma_rule.h"

namespace sigma {

struct SetReport {
  size_t detection = 0, correlation = 0, filter = 0;  // loaded
  std::vector<LoadError> skipped;                     // with their reasons
  std::map<std::string, size_t> not_applicable;       // reason -> rules (other products)
  std::vector<LoadError> needs_values;                // rules not run: |expand placeholders without values
  std::vector<std::string> warnings;                  // other problems (a compiled-pattern cache not used)
  CompileStats patterns;                              // the pattern databases: compiled or from the cache
};

class RuleSet {
 public:
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;
  ~RuleSet();

  // Compiles the rules (detections, correlations, filters); what cannot be
  // used is reported, never fatal. `placeholders` fills |expand values; a
  // rule or filter with a placeholder it lacks does not run (needs_values).
  static std::unique_ptr<RuleSet> build(std::vector<Rule> rules, SetReport& report,
                                        const Placeholders& placeholders = {});

  size_t size() const { return rules_.size(); }
  const Rule& rule(uint32_t i) const { return rules_[i]; }
  // A detection rule referenced by a correlation (without generate) does not
  // alert on its own.
  bool standalone(uint32_t i) const { return standalone_[i]; }
  // Whether a rule runs: false for a correlation reported skipped (a rule it
  // names is not loaded or does not run, it names itself, or a cycle).
  bool runs(uint32_t i) const { return runs_[i]; }
  // Rule index by id or name; -1 if none.
  int find(std::string_view id_or_name) const;

  // One thread's matching state.
  struct Scratch;
  struct ScratchDeleter {
    void operator()(Scratch* s) const;
  };
  using ScratchPtr = std::unique_ptr<Scratch, ScratchDeleter>;
  ScratchPtr scratch() const;

  // The rules matching a record: `matched` (decided), `deferred` (they read a
  // field the replay's process table may supply: re-run with rematch()).
  void match(std::string_view provider, std::string_view channel, uint16_t event_id, FieldSource& src, Scratch& s,
             std::vector<uint32_t>& matched, std::vector<uint32_t>& deferred) const;
  // Which of `rules` (deferred ones) match an event (the replay's second look,
  // with the fields the process table supplied).
  void rematch(const std::vector<uint32_t>& rules, std::string_view provider, std::string_view channel,
               uint16_t event_id, FieldSource& src, Scratch& s, std::vector<uint32_t>& matched) const;

  // The fields a rule's detection tests (for a finding's matched fields).
  const std::vector<std::string>& tested_fields(uint32_t rule) const { return tested_[rule]; }

  struct Bucket;

 private:
  RuleSet() = default;
  std::vector<const Bucket*> buckets_for(std::string_view provider, std::string_view channel, uint16_t event_id) const;

  std::vector<Rule> rules_;
  std::vector<bool> standalone_;
  std::vector<bool> runs_;
  std::vector<std::vector<std::string>> tested_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::map<std::string, std::vector<uint32_t>, std::less<>> by_provider_, by_channel_;  // lower case -> buckets
  std::vector<uint32_t> any_;  // buckets that read every record
  size_t max_atoms_ = 0;
  size_t max_rules_ = 0;               // in one bucket
  void* scratch_prototype_ = nullptr;  // hs_scratch_t
};

}  // namespace sigma
