// Sigma correlation rules run on one host's replay, in event time:
//   event_count       events of the rules per group within the timespan
//   value_count       distinct values of a field per group within the timespan
//   temporal          all the rules (or `condition` of them) per group within the timespan
//   temporal_ordered  the rules in their order per group within the timespan
// Groups are the values of group-by (fields of the matched events, through
// aliases per rule). A correlation can use another correlation's hits.
//
// event_count / value_count with gt / gte: a sliding window (the events
// within timespan before each one); when the condition holds the hit opens
// and takes the rest of the burst (each event within timespan of the one
// before), so a spray of 500 attempts is one hit counting 500. With lt, lte,
// eq or neq: windows from a group's first event, judged when they close.
// temporal: all rules (or `condition` of them) within timespan; ordered:
// in the rules' order. Each event is used once. Idle groups are judged and
// dropped, so state is bounded by the groups active within one timespan;
// a hit keeps at most 100 evidence events (its count is exact).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "normalize/normalized_event.h"
#include "sigma/field_source.h"
#include "sigma/rule_set.h"

namespace sigma {

// An event (or an earlier hit) a correlation rests on.
struct Piece {
  uint32_t rule = 0;  // the base rule it matched
  int64_t time = 0;
  std::shared_ptr<const normalize::NormalizedEvent> event;  // the evidence of this match (kept alive)
};

struct Hit {
  uint32_t rule = 0;  // the correlation
  int64_t first = 0, last = 0;
  std::vector<std::pair<std::string, std::string>> group;  // group-by field, value
  std::vector<Piece> pieces;                               // in time order (at most kMaxPieces)
  uint64_t count = 0;                                      // events, or distinct values (value_count)
};

class Correlator {
 public:
  explicit Correlator(const RuleSet& set);
  ~Correlator();
  // Rule `rule` matched at `time`; `fields` gives group-by values.
  // Returns the hits this completes (which may themselves feed others).
  std::vector<Hit> on_match(uint32_t rule, int64_t time, FieldSource& fields,
                            std::shared_ptr<const normalize::NormalizedEvent> event);
  // The end of the host: windows still open are judged.
  std::vector<Hit> finish();

  static constexpr size_t kMaxPieces = 100;

 private:
  struct State;
  struct GroupState;
  // A group's pending hit (a burst, or a window judged at its close).
  static void close_group(const Correlation& c, uint32_t rule, GroupState& gs, std::vector<Hit>& out);
  std::vector<Hit> feed(uint32_t rule, int64_t time, const std::vector<std::pair<std::string, std::string>>* group_of,
                        FieldSource* fields, std::shared_ptr<const normalize::NormalizedEvent> event, int depth);
  const RuleSet& set_;
  std::vector<uint32_t> correlations_;               // rule indices
  std::map<uint32_t, std::vector<uint32_t>> users_;  // base rule -> correlations that use it (their slots)
  std::vector<std::unique_ptr<State>> states_;       // per correlation
};

}  // namespace sigma
