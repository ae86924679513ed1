// The Sigma rule set as the readers' record matcher (pipeline/record_matcher.h).
#pragma once

#include <memory>
#include <vector>

#include "pipeline/record_matcher.h"
#include "sigma/rule_set.h"

namespace sigma {

class SigmaMatcher : public pipeline::RecordMatcher {
 public:
  explicit SigmaMatcher(const RuleSet& set) : set_(set) {}
  std::unique_ptr<Scratch> scratch() const override;
  void match(const normalize::RecordAccess& rec, Scratch& scratch, std::vector<uint32_t>& matched,
             std::vector<uint32_t>& deferred) const override;

 private:
  const RuleSet& set_;
};

}  // namespace sigma
