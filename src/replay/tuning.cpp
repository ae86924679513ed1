#include "replay/tuning.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

#include "rules/time_format.h"
#include "text/glob.h"
#include "yaml/load_file.h"

namespace replay {
namespace {

bool rule_matches(const std::string& glob, const Finding& f) {
  return text::glob_match(glob, f.rule_id) || text::glob_match(glob, f.title);
}

bool kept_status(const std::vector<std::string>& statuses, const std::string& status) {
  if (statuses.empty()) return status != "deprecated" && status != "unsupported";
  return std::any_of(statuses.begin(), statuses.end(),
                     [&](const std::string& s) { return text::glob_match(s, status); });
}

}  // namespace

bool TuningEntry::matches(const Finding& f) const {
  if (since && f.timestamp < *since) return false;
  if (until && f.timestamp > *until) return false;
  if (!rule.empty() && !rule_matches(rule, f)) return false;
  if (!tag.empty() &&
      std::none_of(f.tags.begin(), f.tags.end(), [&](const std::string& t) { return text::glob_match(tag, t); }))
    return false;
  if (!host.empty() && !text::glob_match(host, f.device_name) && !text::glob_match(host, f.device_id)) return false;
  return true;
}

void TuningCounts::add(const TuningCounts& o) {
  auto sum = [](std::vector<size_t>& a, const std::vector<size_t>& b) {
    if (a.size() < b.size()) a.resize(b.size());
    for (size_t i = 0; i < b.size(); ++i) a[i] += b[i];
  };
  sum(exclude, o.exclude);
  sum(noisy, o.noisy);
  sum(levels, o.levels);
  by_tag += o.by_tag;
  by_status += o.by_status;
}

TuningCounts Tuning::counts() const {
  TuningCounts c;
  c.exclude.assign(exclude.size(), 0);
  c.noisy.assign(noisy.size(), 0);
  c.levels.assign(levels.size(), 0);
  return c;
}

bool Tuning::apply(Finding& f, TuningCounts& c) const {
  for (size_t i = 0; i < exclude.size(); ++i)
    if (exclude[i].matches(f)) {
      ++c.exclude[i];
      return false;
    }
  if (!include_noisy)
    for (size_t i = 0; i < noisy.size(); ++i)
      if (noisy[i].matches(f)) {
        ++c.noisy[i];
        return false;
      }
  if (!tags.empty() && std::none_of(tags.begin(), tags.end(), [&](const std::string& g) {
        return std::any_of(f.tags.begin(), f.tags.end(), [&](const std::string& t) { return text::glob_match(g, t); });
      })) {
    ++c.by_tag;
    return false;
  }
  auto it = status_of.find(f.rule_id);
  if (!kept_status(statuses, it == status_of.end() || it->second.empty() ? "stable" : it->second)) {
    ++c.by_status;
    return false;
  }
  for (size_t i = 0; i < levels.size(); ++i)
    if (rule_matches(levels[i].rule, f)) {
      f.level = levels[i].level;
      ++c.levels[i];
      break;  // the first that names the rule (counted only on findings kept)
    }
  return true;
}

void load_tuning_file(const std::string& path, Tuning& into) {
  YAML::Node doc = yaml::load_file(path, "a tuning file");
  auto where = [&](const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1); };
  auto fail = [&](const YAML::Node& n, const std::string& what) { throw std::runtime_error(where(n) + ": " + what); };
  if (!doc.IsMap() || !doc["tuning"] || !doc["tuning"].IsMap())
    throw std::runtime_error(path + ": not a tuning file (a map under the key 'tuning:')");
  auto text_of = [&](const YAML::Node& entry, const char* key) -> std::string {
    const YAML::Node v = entry[key];
    if (!v) return {};
    if (!v.IsScalar()) fail(v, std::string("'") + key + "' must be text");
    return v.Scalar();
  };
  auto time_of = [&](const YAML::Node& entry, const char* key) -> std::optional<normalize::Ticks> {
    std::string t = text_of(entry, key);
    if (t.empty()) return std::nullopt;
    std::optional<normalize::Ticks> v = rules::parse_datetime(t);
    if (!v) fail(entry[key], std::string("'") + key + "': not a time: " + t);
    return v;
  };
  for (const auto& section : doc["tuning"]) {
    std::string name = section.first.Scalar();
    if (name != "exclude" && name != "noisy" && name != "levels")
      fail(section.first, "unknown section '" + name + "' (exclude, noisy, levels)");
    if (!section.second.IsSequence()) fail(section.second, "'" + name + "' must be a list of entries");
    for (const YAML::Node& e : section.second) {
      if (!e.IsMap()) fail(e, "an entry is a map (rule, tag or host, and reason)");
      for (const auto& kv : e) {
        std::string k = kv.first.Scalar();
        if (k != "rule" && k != "tag" && k != "host" && k != "since" && k != "until" && k != "reason" && k != "level")
          fail(kv.first, "unknown key '" + k + "' (rule, tag, host, since, until, level, reason)");
      }
      std::string reason = text_of(e, "reason");
      if (reason.empty()) fail(e, "every entry says why: add a reason");
      if (name == "levels") {
        LevelOverride l;
        l.rule = text_of(e, "rule");
        if (l.rule.empty()) fail(e, "a level entry names its rule");
        std::optional<rules::Level> level = rules::parse_level(text_of(e, "level"));
        if (!level) fail(e, "level must be informational, low, medium, high or critical");
        l.level = *level;
        l.reason = reason;
        l.origin = where(e);
        into.levels.push_back(std::move(l));
        continue;
      }
      TuningEntry t;
      t.rule = text_of(e, "rule");
      t.tag = text_of(e, "tag");
      t.host = text_of(e, "host");
      t.since = time_of(e, "since");
      t.until = time_of(e, "until");
      if (t.until && text_of(e, "until").size() == 10) *t.until += rules::kTicksPerDay - 1;  // a date: the whole day
      if (t.rule.empty() && t.tag.empty() && t.host.empty() && !t.since && !t.until)
        fail(e, "an entry names a rule, a tag, a host or a time range (since, until), or several of them");
      if (name == "noisy" && t.rule.empty()) fail(e, "a noisy entry names its rule");
      t.reason = reason;
      t.origin = where(e);
      (name == "exclude" ? into.exclude : into.noisy).push_back(std::move(t));
    }
  }
}

}  // namespace replay
