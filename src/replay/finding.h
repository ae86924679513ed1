// A finding: one chain of evidence that a rule matched on one host, with the
// summarize columns, the collected values and what had to be assumed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "normalize/normalized_event.h"
#include "rules/level.h"

namespace replay {

// One step of a finding's evidence chain: the stage it proves and the event
// (pipeline::Evidence is something else: everything a run has read).
struct EvidenceStep {
  std::string stage;
  std::shared_ptr<const normalize::NormalizedEvent> event;
  size_t stage_index = 0;  // the stage's position in its rule (a Sigma finding's: 0)
  // The record's key fields (details/event_details.h), name and value, set
  // after the replay (finding_details.h).
  std::vector<std::pair<std::string, std::string>> details;
};

// One end of a movement between hosts (a rule's `link:`), as this host saw
// it; the cross-host pass (link.h) pairs source and target ends.
struct LinkEnd {
  bool source = false;  // the source side (else the target side)
  normalize::FieldValue peer_address, peer_port, local_address, local_port, peer_name;
  normalize::Ticks time = 0;
  // This end's process: image, command line, account, PID, and the record naming it.
  normalize::FieldValue process_file, process_command_line, process_account, process_id;
  std::string process_record;
};

// The other end of a linked finding, named for the responder.
struct LinkedFinding {
  std::string side;  // rules::link_side_name() of what the other end is: "source" / "target"
  std::string device_name, rule_id;
  normalize::Ticks timestamp = 0;     // the other end's link time
  normalize::Ticks clock_offset = 0;  // the other end's time minus this end's
  std::string process, command_line, account, record;
  std::string matched_by;  // "connection" (both endpoints) or "address" / "name" and time
};

struct Finding {
  std::string rule_id, title;
  rules::Level level = rules::Level::Medium;  // written as rules::level_name(level)
  std::vector<std::string> tags;              // ATT&CK and other tags of the rule
  std::vector<std::string> notes;  // how it was found beyond the records (e.g. a parent from the process table)
  std::string device_name, device_id;
  normalize::Ticks timestamp = 0;        // first evidence
  std::vector<std::string> assumptions;  // fields that were unknown where the rule read them
  std::vector<EvidenceStep> evidence;    // in stage order, then time
  std::vector<std::pair<std::string, normalize::FieldValue>> fields;                  // summarize by: name, value
  std::vector<std::pair<std::string, std::vector<normalize::FieldValue>>> collected;  // "make_set(x)": values
  std::optional<LinkEnd> link_end;   // the rule's link: this finding's end of a movement
  std::vector<LinkedFinding> links;  // set by the cross-host pass

  // high: nothing assumed; medium: one field assumed; low: more.
  const char* confidence() const { return assumptions.empty() ? "high" : assumptions.size() == 1 ? "medium" : "low"; }
};

}  // namespace replay
