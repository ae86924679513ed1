// What a command says of its filters and tuning: a summary line per tuning
// entry that left findings out or changed their level (with its reason and
// where it came from), and a warning for each pattern given on the command
// line that matches nothing in this run (--host, --exclude-host, --rule,
// --exclude-rule, --tag), naming what does exist (the hosts read, the closest
// rule ids and titles, tags), so a mistake never reads as "nothing found".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/evidence.h"
#include "replay/tuning.h"

namespace cli {

struct RuleOptions;

// Summary lines: what the tuning did ("tuning: 93 findings left out by ...").
// A rule entry naming a rule id exactly shows that rule's title too.
std::vector<std::string> tuning_lines(const replay::Tuning& tuning, const replay::TuningCounts& counts,
                                      const RuleOptions& rules);

// Warnings (no newline) for --host / --exclude-host globs no host of the
// evidence matches, and the summary's "0 hosts matched --host X" lines.
std::vector<std::string> unmatched_host_warnings(const pipeline::Evidence& ev, const std::vector<std::string>& hosts,
                                                 const replay::Tuning& tuning);

// Warnings for --exclude-rule, --level and --tag patterns that no loaded rule
// (id, title or tag) matches.
std::vector<std::string> unmatched_rule_warnings(const RuleOptions& rules, const replay::Tuning& tuning);

// The up to three rules (id, title) nearest to a pattern, for messages:
// "closest: 'Title' (id), ...".
std::string closest_names(const std::vector<std::pair<std::string, std::string>>& rules, const std::string& pattern);
std::string closest_rules(const RuleOptions& rules, const std::string& pattern);

struct FindingOptions;

// After the rules loaded: the tuning files read (an error is exit 7, said),
// the rules' statuses known, warnings for patterns no rule matches.
std::optional<int> prepare_tuning(const char* command, const RuleOptions& rules, FindingOptions& findings);
// After the evidence was read: warnings for host patterns that match no host
// (said now), and the summary lines for them.
std::vector<std::string> host_filter_lines(const char* command, const pipeline::Evidence& ev,
                                           const std::vector<std::string>& hosts, const replay::Tuning& tuning);

}  // namespace cli
