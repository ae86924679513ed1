// A finding: one chain of evidence that a rule matched on one host, with the
// summarize columns, the collected values and what had to be assumed.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "normalize/normalized_event.h"

namespace replay {

struct Evidence {
  std::string stage;
  std::shared_ptr<const norm::NormalizedEvent> event;
};

struct Finding {
  std::string rule_id, title, level;
  std::vector<std::string> tags;   // ATT&CK and other tags of the rule
  std::vector<std::string> notes;  // how it was found beyond the records (e.g. a parent from the process table)
  std::string device_name, device_id;
  norm::Ticks timestamp = 0;             // first evidence
  std::vector<std::string> assumptions;  // fields that were unknown where the rule read them
  std::vector<Evidence> evidence;        // in stage order, then time
  std::vector<std::pair<std::string, norm::FieldValue>> fields;     // summarize by: name, value
  std::vector<std::pair<std::string, std::vector<norm::FieldValue>>> collected;  // "make_set(x)": values

  // high: nothing assumed; medium: one field assumed; low: more.
  const char* confidence() const {
    return assumptions.empty() ? "high" : assumptions.size() == 1 ? "medium" : "low";
  }
};

}  // namespace replay
