// Sigma on one host's replay: the rules that matched where each record was
// read become findings in event time; the rules that waited for the replay
// (process_creation rules reading a 4688's parent image, command line or
// user, which the record lacks) are tested again with the process table's
// values, and a finding made so says so; correlation rules run here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/host_stream.h"
#include "replay/finding.h"
#include "replay/process_table.h"
#include "sigma/correlation.h"
#include "sigma/rule_set.h"

namespace replay {

// The event a record is as evidence of a finding: its decided columns, or for
// a record no mapper took, its provenance (file, record, provider, channel, id).
std::shared_ptr<const normalize::NormalizedEvent> evidence_event(const pipeline::StreamEvent& se,
                                                                 const pipeline::Evidence& evidence,
                                                                 const pipeline::Host& host);

class SigmaHost {
 public:
  SigmaHost(const sigma::RuleSet& set, const pipeline::Evidence& evidence, const pipeline::Host& host);
  ~SigmaHost();
  // Every event of the host in order, after the replay filled its columns.
  void on_event(const pipeline::StreamEvent& se, const ProcessTable& table);
  std::vector<Finding> finish();

 private:
  void add_detection(uint32_t rule, const std::shared_ptr<const normalize::NormalizedEvent>& ev,
                     sigma::FieldSource& src, std::vector<std::string> notes);
  void add_hits(std::vector<sigma::Hit> hits);

  const sigma::RuleSet& set_;
  const pipeline::Evidence& evidence_;
  const pipeline::Host& host_;
  sigma::RuleSet::ScratchPtr scratch_;
  sigma::Correlator correlator_;
  std::vector<Finding> findings_;
  std::vector<uint32_t> matched_, deferred_, rematched_;
};

}  // namespace replay
