// Runs one rule over one host's events, in replay order. Partial chains (the
// first k stages bound) wait for stage k+1 inside the time window the rule
// implies, or, when the next stage has no time bound, until the process the
// chain last bound ends; so the state stays bounded. A chain whose missing
// stages are all optional completes when it leaves its window unextended. Events of a stage that
// may come up to a few seconds *before* its anchor (datetime_diff counts
// boundaries) are found again in a short look-back history.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "replay/finding.h"
#include "rules/rule.h"

namespace replay {

class RuleMatcher {
 public:
  explicit RuleMatcher(const rules::Rule& rule);

  using EventPtr = std::shared_ptr<const normalize::NormalizedEvent>;
  void on_event(const EventPtr& ev);
  // The process instance with this canonical id ended.
  void on_process_end(const std::string& unique_id);
  // Complete chains (and partial ones whose missing stages are optional)
  // grouped into findings by the summarize columns.
  std::vector<Finding> finish();

 private:
  struct Chain {
    std::vector<const normalize::NormalizedEvent*> bound;  // for the evaluator
    std::vector<EventPtr> owners;                          // keep the bound events alive
    std::vector<std::string> assumptions;
    rules::TimeWindow window;  // for the next stage's event
    std::string guard;         // expires when this process instance ends ("" : no guard)
    bool extended = false;     // some event bound the next stage
  };

  bool extend(const Chain& chain, const EventPtr& ev, Chain& out) const;
  void add_chain(Chain&& c, const normalize::NormalizedEvent* now);
  void open_window(Chain& c) const;
  // A partial chain that leaves the window: complete if it never grew and
  // every stage it lacks is optional.
  void retire(Chain&& c);
  void retire_where(const std::function<bool(const Chain&)>& gone);
  bool completes_without_rest(const Chain& c) const;
  rules::Level chain_level(const Chain& c) const;
  void fill_link(Finding& f, const Chain& c, const rules::EvalContext& ctx) const;

  const rules::Rule& rule_;
  std::vector<Chain> partial_;
  std::vector<Chain> complete_;
  std::deque<EventPtr> history_;
  normalize::Ticks lookback_ = 0;
};

}  // namespace replay
