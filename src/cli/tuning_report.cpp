#include "cli/tuning_report.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "cli/command_options.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/rule_options.h"
#include "rules/text_match.h"
#include "rules/time_format.h"
#include "text/ascii_case.h"
#include "text/glob.h"

namespace cli {
namespace {

std::string quoted_origin(const std::string& origin) { return origin.rfind("--", 0) == 0 ? "" : " [" + origin + "]"; }

// "rule 'Title' (id) on host 'ws01*' from ... until ...": the entry's parts.
std::string what(const replay::TuningEntry& e, const std::map<std::string, std::string>& title_of) {
  std::string out;
  auto part = [&](const std::string& text) { out += (out.empty() ? "" : " ") + text; };
  if (!e.rule.empty()) {
    auto t = title_of.find(e.rule);
    part(t != title_of.end() && !t->second.empty() ? "rule '" + t->second + "' (" + e.rule + ")"
                                                   : "rule '" + e.rule + "'");
  }
  if (!e.tag.empty()) part((out.empty() ? "tag '" : "with tag '") + e.tag + "'");
  if (!e.host.empty()) part((out.empty() ? "host '" : "on host '") + e.host + "'");
  if (out.empty()) out = "every host";
  if (e.since) out += " from " + rules::format_datetime(*e.since);
  if (e.until) out += " until " + rules::format_datetime(*e.until);
  return out;
}

// The pattern an option gave (--exclude-rule, --exclude-tag, --exclude-host).
const std::string& option_glob(const replay::TuningEntry& e) {
  return !e.rule.empty() ? e.rule : !e.tag.empty() ? e.tag : e.host;
}

}  // namespace

std::vector<std::string> tuning_lines(const replay::Tuning& t, const replay::TuningCounts& c,
                                      const RuleOptions& rules) {
  std::map<std::string, std::string> title_of;
  for (const RuleListing& r : rules.listing()) title_of.emplace(r.id, r.title);
  std::vector<std::string> out;
  auto reason = [](const std::string& r) { return r.empty() ? std::string() : " (" + r + ")"; };
  for (size_t i = 0; i < t.exclude.size() && i < c.exclude.size(); ++i)
    if (c.exclude[i])
      out.push_back("tuning: " + std::to_string(c.exclude[i]) + " findings left out by " +
                    (t.exclude[i].origin.rfind("--", 0) == 0
                         ? t.exclude[i].origin + " '" + option_glob(t.exclude[i]) + "'"
                         : what(t.exclude[i], title_of)) +
                    reason(t.exclude[i].reason) + quoted_origin(t.exclude[i].origin));
  for (size_t i = 0; i < t.noisy.size() && i < c.noisy.size(); ++i)
    if (c.noisy[i])
      out.push_back("tuning: " + std::to_string(c.noisy[i]) + " findings of noisy " + what(t.noisy[i], title_of) +
                    " left out" + reason(t.noisy[i].reason) + "; --include-noisy keeps them" +
                    quoted_origin(t.noisy[i].origin));
  for (size_t i = 0; i < t.levels.size() && i < c.levels.size(); ++i)
    if (c.levels[i])
      out.push_back("tuning: " + std::to_string(c.levels[i]) + " findings of rule '" + t.levels[i].rule +
                    "' reported as " + rules::level_name(t.levels[i].level) + reason(t.levels[i].reason) +
                    quoted_origin(t.levels[i].origin));
  if (c.by_tag)
    out.push_back("tuning: " + std::to_string(c.by_tag) + " findings without a tag --tag asks for left out");
  if (c.by_status)
    out.push_back(
        "tuning: " + std::to_string(c.by_status) + " findings of rules of another status left out (" +
        (t.statuses.empty() ? std::string("deprecated and unsupported rules; --status keeps them") : "--status") + ")");
  return out;
}

std::vector<std::string> unmatched_host_warnings(const pipeline::Evidence& ev, const std::vector<std::string>& hosts,
                                                 const replay::Tuning& tuning) {
  std::vector<std::string> names;
  for (const pipeline::Host& h : ev.hosts)
    for (uint32_t id : h.computer_ids) names.emplace_back(ev.store.pool().at(id));
  std::string seen;
  for (size_t i = 0; i < names.size() && i < 10; ++i) seen += (i ? ", " : "") + names[i];
  if (names.size() > 10) seen += ", ... (" + std::to_string(names.size()) + " names)";
  if (names.empty()) seen = "none";
  std::vector<std::string> out;
  auto check = [&](const std::string& option, const std::string& glob) {
    if (std::any_of(names.begin(), names.end(), [&](const std::string& n) { return text::glob_match(glob, n); }))
      return;
    out.push_back("0 hosts matched " + option + " '" + glob + "': the hosts read are " + seen);
  };
  for (const std::string& g : hosts) check("--host", g);
  for (const replay::TuningEntry& e : tuning.exclude)
    if (e.origin == "--exclude-host") check("--exclude-host", e.host);
  return out;
}

std::string closest_rules(const RuleOptions& rules, const std::string& pattern) {
  std::vector<std::pair<std::string, std::string>> names;
  for (const RuleListing& r : rules.listing()) names.emplace_back(r.id, r.title);
  return closest_names(names, pattern);
}

std::string closest_names(const std::vector<std::pair<std::string, std::string>>& rules, const std::string& pattern) {
  std::vector<std::pair<size_t, std::string>> scored;
  std::string p = text::lowered(pattern);
  p.erase(std::remove(p.begin(), p.end(), '*'), p.end());
  for (const auto& [id, title] : rules) {
    size_t d = std::min(rules::edit_distance(p, text::lowered(id)), rules::edit_distance(p, text::lowered(title)));
    scored.emplace_back(d, title.empty() ? id : "'" + title + "' (" + id + ")");
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out += (i ? ", " : "") + scored[i].second;
  return out.empty() ? "no rule is loaded" : "closest: " + out;
}

std::vector<std::string> unmatched_rule_warnings(const RuleOptions& rules, const replay::Tuning& tuning) {
  std::vector<RuleListing> all = rules.listing();
  auto names_rule = [&](const std::string& glob) {
    return std::any_of(all.begin(), all.end(), [&](const RuleListing& r) {
      return text::glob_match(glob, r.id) || text::glob_match(glob, r.title);
    });
  };
  std::set<std::string> tags;
  for (const RuleListing& r : all) tags.insert(r.tags.begin(), r.tags.end());
  auto names_tag = [&](const std::string& glob) {
    return std::any_of(tags.begin(), tags.end(), [&](const std::string& t) { return text::glob_match(glob, t); });
  };
  std::string some_tags;
  size_t n = 0;
  for (const std::string& t : tags)
    if (n++ < 8) some_tags += (some_tags.empty() ? "" : ", ") + t;
  std::vector<std::string> out;
  for (const replay::TuningEntry& e : tuning.exclude) {
    if (e.origin == "--exclude-rule" && !names_rule(e.rule))
      out.push_back("--exclude-rule '" + e.rule + "' matches no rule loaded (" + closest_rules(rules, e.rule) + ")");
    if (e.origin == "--exclude-tag" && !names_tag(e.tag))
      out.push_back("--exclude-tag '" + e.tag + "' matches no tag of the rules loaded (e.g. " + some_tags + ")");
  }
  for (const replay::LevelOverride& l : tuning.levels)
    if (l.origin == "--level" && !names_rule(l.rule))
      out.push_back("--level '" + l.rule + "' matches no rule loaded (" + closest_rules(rules, l.rule) + ")");
  for (const std::string& g : tuning.tags)
    if (!names_tag(g))
      out.push_back("--tag '" + g + "' matches no tag of the rules loaded, so nothing can be found (e.g. " + some_tags +
                    ")");
  return out;
}

std::optional<int> prepare_tuning(const char* command, const RuleOptions& rules, FindingOptions& findings) {
  if (std::optional<std::string> bad = findings.load_files()) {
    message(stderr, "evtxhunt %s: %s\n", command, *bad);
    return kBadRules;
  }
  findings.tuning.status_of = rules.statuses();
  for (const std::string& w : unmatched_rule_warnings(rules, findings.tuning))
    message(stderr, "evtxhunt %s: %s\n", command, w);
  return std::nullopt;
}

std::vector<std::string> host_filter_lines(const char* command, const pipeline::Evidence& ev,
                                           const std::vector<std::string>& hosts, const replay::Tuning& tuning) {
  std::vector<std::string> lines = unmatched_host_warnings(ev, hosts, tuning);
  for (const std::string& l : lines) message(stderr, "evtxhunt %s: %s\n", command, l);
  for (std::string& l : lines)
    l = l.substr(0, l.find("': ") + 1);  // the summary says only "0 hosts matched --host 'X'"
  return lines;
}

}  // namespace cli
