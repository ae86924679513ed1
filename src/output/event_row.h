// One row of the forensic timeline: an event of any record, with a readable
// Details line built from its EventData / UserData, the normalized columns
// where a mapper applied (process, parent, command line, account, network
// endpoints), where it came from, and the findings it is evidence of.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "output/format.h"
#include "output/table.h"
#include "rules/level.h"
#include "store/event_codec.h"

namespace output {

// A finding an event is evidence of.
struct RowTag {
  std::string rule_id, title;
  rules::Level level = rules::Level::Medium;
  std::vector<std::string> tags;  // the rule's (ATT&CK, ...)
};

struct EventRow {
  const store::EventView* view;
  normalize::Ticks timestamp;
  std::string_view source_file;
  const normalize::NormalizedEvent* norm = nullptr;  // decided and enriched columns, or null
  std::vector<const RowTag*> tags;
  // A search's row (evtxhunt search): the fields whose values matched, written
  // as its Matched column in place of the findings' columns.
  const std::vector<std::string>* matched = nullptr;
};

// The CSV header row (with its line break); "" for the other formats. search:
// a Matched column in place of RuleIds, RuleTitles, RuleLevel.
std::string timeline_header(Format f, const TableStyle& style, bool search = false);
// Appends one row (with its line break).
void append_timeline_row(std::string& out, const EventRow& row, Format f, const TableStyle& style);

// "Name: value ¦ Name: value" of the record's data fields (empty values and
// Windows' "-" left out; the JSON Details object keeps every field).
std::string details_text(const store::EventView& view);
// The record's System/Level as Event Viewer names it (Critical, Error, Warning,
// Information, Verbose; LogAlways for 0).
std::string record_level(const store::EventView& view);

}  // namespace output
