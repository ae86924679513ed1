// Tuning: what a responder keeps of a run's findings, and at what level,
// decided after the replay (correlations still saw every event):
//   exclude   rules (id or title glob), tags, hosts (with a time range) off;
//   noisy     rules off unless include_noisy (a shipped default list, and
//             the tuning file's own), each entry with the reason it is noisy;
//   tags      when given, only findings with a matching tag;
//   statuses  Sigma rule statuses kept (default: all but deprecated and
//             unsupported; the project's rules count as stable);
//   levels    a rule's findings set to another level.
// Every entry carries its reason and where it came from, and the run counts
// what each one matched, so the summary says what tuning did and a pattern
// that matched nothing is said too.
//
// A tuning file (--tuning FILE) is YAML:
//   tuning:
//     exclude:
//       - {rule: "Remote Thread Creation*", reason: "our EDR injects into every process"}
//       - {host: "sccm*", reason: "software distribution"}
//       - {host: "ws01*", since: 2024-03-12, until: "2024-03-12 18:00", reason: "the red team's exercise"}
//       - {since: 2024-03-12T09:00, until: 2024-03-12T09:30, reason: "the EDR's test run"}  (every host)
//       - {tag: attack.t1218.011, reason: ...}
//       - {rule: "Security Eventlog Cleared", host: "lab-*", reason: ...}  (all parts must match)
//     noisy:
//       - {rule: 0badd08f-c6a3-4630-90d3-6875cca440be, reason: "every logoff"}
//     levels:
//       - {rule: "Suspicious SYSTEM User Process Creation", level: low, reason: ...}
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "normalize/normalized_event.h"
#include "replay/finding.h"
#include "rules/level.h"

namespace replay {

// A finding matches when it matches every part given: rule (id or title
// glob), tag (glob, any of the finding's tags), host (glob, any name of the
// host) and time range (its time); at least one part is given.
struct TuningEntry {
  std::string rule, tag, host;                   // globs; empty: any
  std::optional<normalize::Ticks> since, until;  // only findings in this range
  std::string reason;                            // free text, said in the summary
  std::string origin;                            // "--exclude-rule", "FILE:LINE"
  bool matches(const Finding& f) const;
};

struct LevelOverride {
  std::string rule;  // id or title glob
  rules::Level level = rules::Level::Medium;
  std::string reason, origin;
};

// What each entry matched in one run (same order as the Tuning's lists).
struct TuningCounts {
  std::vector<size_t> exclude, noisy, levels;
  size_t by_tag = 0, by_status = 0;  // left out by --tag, by --status
  void add(const TuningCounts& o);
};

struct Tuning {
  std::vector<TuningEntry> exclude, noisy;
  std::vector<LevelOverride> levels;
  bool include_noisy = false;
  std::vector<std::string> tags;      // --tag globs (empty: every finding)
  std::vector<std::string> statuses;  // statuses kept (empty: all but deprecated and unsupported)
  std::map<std::string, std::string, std::less<>> status_of;  // rule id -> Sigma status

  TuningCounts counts() const;  // zeroes, sized for the entries
  // Sets f's level where an override says so; false when f is left out.
  bool apply(Finding& f, TuningCounts& c) const;
};

// Reads a tuning file into `into` (appending). Throws std::runtime_error with
// FILE:LINE and what is wrong.
void load_tuning_file(const std::string& path, Tuning& into);

}  // namespace replay
