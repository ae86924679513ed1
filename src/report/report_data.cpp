// The report's data document: hosts with their volume, findings (in the list's
// order, level then time, with their chains and noisy groups), movements,
// rules, inventory.
#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "evtx/problem.h"
#include "metrics/metrics_writer.h"
#include "normalize/hosts.h"
#include "output/format.h"
#include "pipeline/event_writer.h"
#include "report/json_writer.h"
#include "report/report.h"
#include "rules/rule.h"

namespace report {
namespace {

using normalize::Field;
using normalize::Ticks;

constexpr int64_t kBins = 400;  // time chart resolution per host
constexpr size_t kScriptChars = 2000;

int64_t millis(Ticks t) { return output::unix_micros(t) / 1000; }

// Hosts by the names the files and findings show (a short name merges with
// its one FQDN), in key order.
struct HostTable {
  normalize::HostNames names;
  std::map<std::string, size_t> index;  // key -> position
  std::vector<std::string> keys;

  void build(const pipeline::Evidence& ev, const std::vector<replay::Finding>& findings) {
    for (const pipeline::FileInfo& f : ev.files)
      for (const auto& c : f.computers) names.add(c.name);
    for (const replay::Finding& f : findings) {
      names.add(f.device_name);
      for (const replay::LinkedFinding& l : f.links) names.add(l.device_name);
    }
    names.resolve();  // warnings were given when the run read its inputs
    std::vector<std::string> all;
    for (const pipeline::FileInfo& f : ev.files)
      for (const auto& c : f.computers) all.push_back(names.key(c.name));
    for (const replay::Finding& f : findings) all.push_back(names.key(f.device_name));
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    keys = all;
    for (size_t i = 0; i < keys.size(); ++i) index[keys[i]] = i;
  }
  // Position of a name's host; -1 for a name never added (a linked end's host
  // that no input shows).
  int64_t of(const std::string& name) const {
    auto it = index.find(names.key(name));
    return it == index.end() ? -1 : static_cast<int64_t>(it->second);
  }
};

struct HostVolume {
  std::vector<std::string> names;
  uint64_t files = 0, records = 0;
  Ticks first = 0, last = 0;
  std::map<int64_t, uint64_t> hours;
};

void widen(Ticks t, Ticks& first, Ticks& last) {
  if (t == 0) return;
  if (first == 0 || t < first) first = t;
  if (t > last) last = t;
}

void write_time(JsonWriter& w, const char* iso_key, const char* ms_key, Ticks t) {
  if (t == 0) {
    w.key(iso_key).null();
    w.key(ms_key).null();
    return;
  }
  w.key(iso_key).str(output::format_time(t));
  w.key(ms_key).num(millis(t));
}

std::string endpoint(const normalize::FieldValue& ip, const normalize::FieldValue& port) {
  if (!ip.known()) return {};
  std::string s = pipeline::field_text(ip);
  if (port.known()) {
    s += ':';
    s += pipeline::field_text(port);
  }
  return s;
}

// The strings of the chains, each written once in the document's "strings":
// a step names them by index (a noisy rule's thousands of findings share
// their images, files, channels and field names).
class StringTable {
 public:
  int64_t of(std::string_view s, size_t max = JsonWriter::kMaxString) {
    auto [it, added] = index_.try_emplace(JsonWriter::clipped(s, max), static_cast<int64_t>(list_.size()));
    if (added) {
      list_.push_back(&it->first);
      bytes_ += it->first.size() + 3;
    }
    return it->second;
  }
  size_t bytes() const { return bytes_; }
  void write(JsonWriter& w) const {
    w.begin_array();
    std::string json;
    for (const std::string* s : list_) {
      json.clear();
      evtx::append_json_string(json, *s);  // cut already
      w.raw(json);
    }
    w.end_array();
  }

 private:
  std::unordered_map<std::string, int64_t> index_;
  std::vector<const std::string*> list_;
  size_t bytes_ = 0;
};

// One piece of evidence as a step of the chain: the process it names, its
// parent, where it was read and the record's key fields. "t": text fields
// (indexes into "strings"), "n": numbers, "d": key fields as name, value
// (indexes) in turn.
void write_step(JsonWriter& w, StringTable& st, const replay::EvidenceStep& e) {
  const normalize::NormalizedEvent& ev = *e.event;
  std::vector<std::pair<const char*, int64_t>> text, nums;
  auto field = [&](const char* key, const normalize::FieldValue& v) {
    if (!v.known()) return;
    if (v.kind == normalize::FieldValue::Kind::Int)
      nums.emplace_back(key, v.i);
    else
      text.emplace_back(key, st.of(pipeline::field_text(v)));
  };
  text.emplace_back("stage", st.of(e.stage));
  text.emplace_back("table", st.of(normalize::table_name(ev.table)));
  field("time", ev[Field::Timestamp]);
  field("action", ev[Field::ActionType]);
  field("file", ev[Field::SourceFile]);
  field("record", ev[Field::EventRecordID]);
  field("event_id", ev[Field::EventID]);
  field("channel", ev[Field::Channel]);
  field("image", ev[Field::FileName]);
  field("folder", ev[Field::FolderPath]);
  field("pid", ev[Field::ProcessId]);
  field("cmd", ev[Field::ProcessCommandLine]);
  field("puid", ev[Field::ProcessUniqueId]);
  std::string account = ev[Field::AccountName].known() ? pipeline::field_text(ev[Field::AccountName]) : "";
  if (!account.empty() && ev[Field::AccountDomain].known())
    account = pipeline::field_text(ev[Field::AccountDomain]) + "\\" + account;
  if (!account.empty()) text.emplace_back("account", st.of(account));
  field("parent_pid", ev[Field::InitiatingProcessId]);
  field("parent_image", ev[Field::InitiatingProcessFileName]);
  field("parent_cmd", ev[Field::InitiatingProcessCommandLine]);
  field("parent_puid", ev[Field::InitiatingProcessUniqueId]);
  std::string local = endpoint(ev[Field::LocalIP], ev[Field::LocalPort]);
  std::string remote = endpoint(ev[Field::RemoteIP], ev[Field::RemotePort]);
  if (!local.empty()) text.emplace_back("local", st.of(local));
  if (!remote.empty()) text.emplace_back("remote", st.of(remote));
  field("logon_type", ev[Field::LogonType]);
  field("logon_id", ev[Field::LogonId]);
  field("remote_device", ev[Field::RemoteDeviceName]);
  if (ev[Field::ScriptBlockText].known()) {
    std::string script = pipeline::field_text(ev[Field::ScriptBlockText]);
    if (script.size() > kScriptChars) script = script.substr(0, kScriptChars) + " …";
    text.emplace_back("script", st.of(script));
  }
  w.begin_object();
  w.key("t").begin_object();
  for (const auto& [k, v] : text) w.key(k).num(v);
  w.end_object();
  w.key("n").begin_object();
  for (const auto& [k, v] : nums) w.key(k).num(v);
  w.end_object();
  if (!e.details.empty()) {
    w.key("d").begin_array();
    for (const auto& [name, value] : e.details) {
      w.num(st.of(name));
      w.num(st.of(value));
    }
    w.end_array();
  }
  w.end_object();
}

// A finding's chain; arrays left out when empty.
void write_detail(JsonWriter& w, StringTable& st, const replay::Finding& f, size_t mark) {
  w.begin_object();
  w.key("mark").num(static_cast<int64_t>(mark));
  w.key("title").num(st.of(f.title));
  w.key("confidence").str(f.confidence());
  w.key("time").str(output::format_time(f.timestamp));
  w.key("device").num(st.of(f.device_name, JsonWriter::kMaxName));
  if (!f.tags.empty()) {
    w.key("tags").begin_array();
    for (const std::string& t : f.tags) w.num(st.of(t));
    w.end_array();
  }
  if (!f.notes.empty()) w.key("notes").strings(f.notes);
  if (!f.assumptions.empty()) w.key("assumptions").strings(f.assumptions);
  if (!f.fields.empty()) {
    w.key("fields").begin_array();
    for (const auto& [name, value] : f.fields) {
      w.begin_array();
      w.str(name);
      w.str(value.known() ? pipeline::field_text(value) : "");
      w.end_array();
    }
    w.end_array();
  }
  if (!f.collected.empty()) {
    w.key("collected").begin_array();
    for (const auto& [name, values] : f.collected) {
      w.begin_array();
      w.str(name);
      w.begin_array();
      for (const normalize::FieldValue& v : values) w.str(v.known() ? pipeline::field_text(v) : "");
      w.end_array();
      w.end_array();
    }
    w.end_array();
  }
  if (!f.links.empty()) {
    w.key("links").begin_array();
    for (const replay::LinkedFinding& l : f.links) {
      w.begin_object();
      w.key("side").str(l.side);
      w.key("device").name(l.device_name);
      w.key("rule").str(l.rule_id);
      w.key("time").str(output::format_time(l.timestamp));
      w.key("clock_offset_s").num(l.clock_offset / normalize::kTicksPerSecond);
      w.key("process").str(l.process);
      w.key("cmd").str(l.command_line);
      w.key("account").str(l.account);
      w.key("record").str(l.record);
      w.key("matched_by").str(l.matched_by);
      w.end_object();
    }
    w.end_array();
  }
  w.key("steps").begin_array();
  for (const replay::EvidenceStep& e : f.evidence) write_step(w, st, e);
  w.end_array();
  w.end_object();
}

// JSON inside a <script> element: no '<', '>' or '&' may appear as such
// ("</script>" in a command line would end the element). They occur only
// inside strings, where their \u escapes mean the same.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (char c : json) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

namespace {

// The logs with a sequence issue, and the issues: integrity events and
// record-id issues first, then time order, then silences (kListedIntegrity in
// all). Returns how many issues were left out.
size_t write_integrity(JsonWriter& w, const metrics::Metrics& m) {
  auto rank = [](const metrics::Issue& i) {
    switch (i.kind) {
      case metrics::IssueKind::TimeOrder: return 1;
      case metrics::IssueKind::TimeGap: return 2;
      default: return 0;
    }
  };
  std::vector<const metrics::Issue*> issues;
  for (const metrics::Issue& i : m.issues) issues.push_back(&i);
  std::stable_sort(issues.begin(), issues.end(),
                   [&](const metrics::Issue* a, const metrics::Issue* b) { return rank(*a) < rank(*b); });
  w.key("integrity").begin_object();
  w.key("sequences").begin_array();
  for (const metrics::Sequence& s : m.sequences) {
    if (!s.gaps && !s.id_order && !s.time_order && !s.time_gaps) continue;
    w.begin_object();
    w.key("file").str(s.file);
    w.key("host").str(s.host);
    w.key("channel").str(s.channel);
    w.key("summary").str(metrics::sequence_summary(s));
    w.end_object();
  }
  w.end_array();
  w.key("issues").begin_array();
  for (size_t n = 0; n < issues.size() && n < kListedIntegrity; ++n) {
    const metrics::Issue& i = *issues[n];
    w.begin_object();
    w.key("kind").str(i.kind_name());
    w.key("time").str(i.time ? output::format_time(i.time) : "");
    w.key("host").str(i.host);
    w.key("file").str(i.file);
    w.key("record").num(static_cast<int64_t>(i.record));
    w.key("details").str(i.details);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return issues.size() > kListedIntegrity ? issues.size() - kListedIntegrity : 0;
}

}  // namespace

std::string report_json(const ReportInput& in) {
  const pipeline::Evidence& ev = *in.evidence;
  const std::vector<replay::Finding>& findings = *in.findings;
  HostTable hosts;
  hosts.build(ev, findings);

  // Volume per host, from what each file showed of its computers.
  std::vector<HostVolume> volume(hosts.keys.size());
  Ticks first = 0, last = 0;
  for (const pipeline::FileInfo& f : ev.files) {
    std::unordered_set<size_t> seen;  // hosts of this file (a WEC log may hold thousands)
    for (const auto& c : f.computers) {
      size_t h = static_cast<size_t>(hosts.of(c.name));
      HostVolume& v = volume[h];
      if (std::find(v.names.begin(), v.names.end(), c.name) == v.names.end()) v.names.push_back(c.name);
      if (seen.insert(h).second) ++v.files;
      v.records += c.records;
      widen(c.first_time, v.first, v.last);
      widen(c.last_time, v.first, v.last);
      widen(c.first_time, first, last);
      widen(c.last_time, first, last);
      for (const auto& [hour, n] : c.hours) v.hours[hour] += n;
    }
  }
  for (const replay::Finding& f : findings) widen(f.timestamp, first, last);

  // Rules: those that ran, then any a finding names that was not given.
  std::vector<RuleInfo> rules = in.rules;
  std::map<std::string, size_t> rule_index;
  for (size_t i = 0; i < rules.size(); ++i) rule_index.emplace(rules[i].id, i);
  for (const replay::Finding& f : findings)
    if (!rule_index.count(f.rule_id)) {
      rule_index.emplace(f.rule_id, rules.size());
      rules.push_back({f.rule_id, f.title, "", "", f.level, {}, {}, {}, {}});
    }

  // The list's order: level (critical first), then time; ties keep the
  // scan's order (host). The first kMarkedFindings are listed and marked;
  // mark_of[i]: finding i's place in that order, -1 past it.
  std::vector<size_t> order(findings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (findings[a].level != findings[b].level) return findings[a].level > findings[b].level;
    return findings[a].timestamp < findings[b].timestamp;
  });
  if (order.size() > kMarkedFindings) order.resize(kMarkedFindings);
  std::vector<int64_t> mark_of(findings.size(), -1);
  for (size_t k = 0; k < order.size(); ++k) mark_of[order[k]] = static_cast<int64_t>(k);

  // The chains, in that order: every high and critical finding's (up to
  // kUrgentChainBytes), then the others' while all written stay under
  // kChainBytes. detail_of[i]: finding i's chain in "details", -1 for none.
  JsonWriter chains;
  StringTable strings;
  chains.begin_array();
  std::vector<int64_t> detail_of(findings.size(), -1);
  size_t urgent_bytes = 0, chain_bytes = 0, urgent_left = 0, others_left = 0;
  int64_t detailed = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const replay::Finding& f = findings[order[k]];
    bool urgent = f.level >= rules::Level::High;
    if (urgent ? urgent_bytes >= kUrgentChainBytes : chain_bytes >= kChainBytes) {
      ++(urgent ? urgent_left : others_left);
      continue;
    }
    size_t before = chains.text().size() + strings.bytes();
    write_detail(chains, strings, f, k);
    size_t spent = chains.text().size() + strings.bytes() - before;
    chain_bytes += spent;
    if (urgent) urgent_bytes += spent;
    detail_of[order[k]] = detailed++;
  }
  chains.end_array();

  // Noisy groups: a rule that fires more than kGroupFindings times on one
  // host is one row of the list. group_of[k]: mark k's group, -1 for none.
  struct Group {
    size_t first_mark = 0, count = 0;
    Ticks first = 0, last = 0;
    rules::Level level = rules::Level::Informational;
  };
  std::map<std::pair<int64_t, size_t>, size_t> fired;  // (host, rule) -> findings listed
  auto group_key = [&](const replay::Finding& f) {
    return std::pair{hosts.of(f.device_name), rule_index.at(f.rule_id)};
  };
  for (size_t i : order) ++fired[group_key(findings[i])];
  std::map<std::pair<int64_t, size_t>, size_t> group_index;
  std::vector<Group> groups;
  std::vector<int64_t> group_of(order.size(), -1);
  for (size_t k = 0; k < order.size(); ++k) {
    const replay::Finding& f = findings[order[k]];
    auto key = group_key(f);
    if (fired[key] <= kGroupFindings) continue;
    auto [it, added] = group_index.try_emplace(key, groups.size());
    if (added) groups.push_back({k, 0, f.timestamp, f.timestamp, f.level});
    Group& g = groups[it->second];
    ++g.count;
    widen(f.timestamp, g.first, g.last);
    g.level = std::max(g.level, f.level);
    group_of[k] = static_cast<int64_t>(it->second);
  }

  // Counts over every finding: [host][level], [rule][level].
  std::vector<std::array<int64_t, 5>> by_host(hosts.keys.size()), by_rule(rules.size());
  std::array<int64_t, 5> by_level{};
  for (const replay::Finding& f : findings) {
    ++by_host[static_cast<size_t>(hosts.of(f.device_name))][static_cast<size_t>(f.level)];
    ++by_rule[rule_index.at(f.rule_id)][static_cast<size_t>(f.level)];
    ++by_level[static_cast<size_t>(f.level)];
  }
  // The hosts the page draws (kListedHosts): those with findings first (the
  // highest level, then the most), then the busiest; shown in key order.
  // slot[h]: a host's place in the page's list, -1 when not listed.
  std::vector<size_t> listed(hosts.keys.size());
  std::iota(listed.begin(), listed.end(), 0);
  auto rank = [&](size_t h) {
    std::array<int64_t, 6> r{};
    for (size_t l = 5; l-- > 0;) r[4 - l] = by_host[h][l];  // critical count first
    r[5] = static_cast<int64_t>(volume[h].records);
    return r;
  };
  if (listed.size() > kListedHosts) {
    std::stable_sort(listed.begin(), listed.end(), [&](size_t a, size_t b) { return rank(a) > rank(b); });
    listed.resize(kListedHosts);
    std::sort(listed.begin(), listed.end());
  }
  std::vector<int64_t> slot(hosts.keys.size(), -1);
  for (size_t i = 0; i < listed.size(); ++i) slot[listed[i]] = static_cast<int64_t>(i);
  auto slot_of = [&](const std::string& name) {
    int64_t h = hosts.of(name);
    return h < 0 ? int64_t{-1} : slot[static_cast<size_t>(h)];
  };

  JsonWriter w;
  w.begin_object();
  w.key("command").str(in.command);
  w.key("version").str(in.version);
  w.key("inputs").strings(in.inputs);
  write_time(w, "first", "first_ms", first);
  write_time(w, "last", "last_ms", last);
  w.key("levels").begin_array();
  for (rules::Level l : rules::kLevels) w.str(rules::level_name(l));
  w.end_array();

  const pipeline::ReadStats& s = ev.stats;
  w.key("stats").begin_object();
  w.key("evtx_files").num(static_cast<int64_t>(s.evtx_files));
  w.key("xml_files").num(static_cast<int64_t>(s.xml_files));
  w.key("inputs_skipped").num(static_cast<int64_t>(s.inputs_skipped));
  w.key("chunks").num(static_cast<int64_t>(s.chunks));
  w.key("chunks_skipped").num(static_cast<int64_t>(s.chunks_skipped));
  w.key("records").num(static_cast<int64_t>(s.records));
  w.key("records_damaged").num(static_cast<int64_t>(s.records_damaged));
  w.key("findings").num(static_cast<int64_t>(findings.size()));
  w.key("hosts").num(static_cast<int64_t>(hosts.keys.size()));
  w.end_object();
  w.key("by_level").begin_array();
  for (int64_t n : by_level) w.num(n);
  w.end_array();

  // Time chart bins: kBins over the span, whole hours each.
  int64_t first_hour = first / pipeline::kTicksPerHour, last_hour = last / pipeline::kTicksPerHour;
  int64_t bin_hours = std::max<int64_t>(1, (last_hour - first_hour + kBins) / kBins);
  int64_t bins = first == 0 ? 0 : (last_hour - first_hour) / bin_hours + 1;
  // Records per hour per listed host, when they fit kHourlyVolume.
  size_t host_hours = 0;
  for (size_t h : listed) host_hours += volume[h].hours.size();
  bool hourly = host_hours <= kHourlyVolume;
  w.key("hourly").num(hourly ? 1 : 0);
  w.key("chain_bytes").num(static_cast<int64_t>(kChainBytes));
  w.key("group_findings").num(static_cast<int64_t>(kGroupFindings));
  w.key("bin_hours").num(bin_hours);
  w.key("bin_start_ms").num(first == 0 ? 0 : millis(first_hour * pipeline::kTicksPerHour));
  w.key("hosts").begin_array();
  for (size_t h : listed) {
    const HostVolume& v = volume[h];
    w.begin_object();
    w.key("key").name(hosts.keys[h]);
    w.key("names").names(v.names);
    w.key("files").num(static_cast<int64_t>(v.files));
    w.key("records").num(static_cast<int64_t>(v.records));
    write_time(w, "first", "first_ms", v.first);
    write_time(w, "last", "last_ms", v.last);
    std::vector<int64_t> counts(static_cast<size_t>(bins), 0);
    for (const auto& [hour, n] : v.hours) {
      int64_t b = (hour - first_hour) / bin_hours;
      if (b >= 0 && b < bins) counts[static_cast<size_t>(b)] += static_cast<int64_t>(n);
    }
    w.key("volume").begin_array();
    for (int64_t c : counts) w.num(c);
    w.end_array();
    if (hourly) {  // hour (from bin_start_ms), records; in turn
      w.key("hours").begin_array();
      for (const auto& [hour, n] : v.hours) {
        w.num(hour - first_hour);
        w.num(static_cast<int64_t>(n));
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();

  w.key("rules").begin_array();
  for (const RuleInfo& r : rules) {
    w.begin_object();
    w.key("id").str(r.id);
    w.key("title").str(r.title);
    w.key("description").str(r.description);
    w.key("source").str(r.source);
    w.key("level").str(rules::level_name(r.level));
    w.key("techniques").strings(r.techniques);
    w.key("tactics").strings(r.tactics);
    w.key("false_positives").strings(r.false_positives);
    w.key("references").strings(r.references);
    w.end_object();
  }
  w.end_array();

  // The findings in the list's order (up to kMarkedFindings): [host, time ms,
  // level, rule, chain or -1, group or -1, place in the scan's output].
  w.key("marks").begin_array();
  for (size_t k = 0; k < order.size(); ++k) {
    const replay::Finding& f = findings[order[k]];
    w.begin_array();
    w.num(slot_of(f.device_name));
    w.num(millis(f.timestamp));
    w.num(static_cast<int64_t>(f.level));
    w.num(static_cast<int64_t>(rule_index.at(f.rule_id)));
    w.num(detail_of[order[k]]);
    w.num(group_of[k]);
    w.num(static_cast<int64_t>(order[k]));
    w.end_array();
  }
  w.end_array();
  w.key("groups").begin_array();
  for (const Group& g : groups) {
    const replay::Finding& f = findings[order[g.first_mark]];
    w.begin_object();
    w.key("host").num(slot_of(f.device_name));
    w.key("host_name").name(f.device_name);
    w.key("rule").num(static_cast<int64_t>(rule_index.at(f.rule_id)));
    w.key("level").num(static_cast<int64_t>(g.level));
    w.key("count").num(static_cast<int64_t>(g.count));
    write_time(w, "first", "first_ms", g.first);
    write_time(w, "last", "last_ms", g.last);
    w.end_object();
  }
  w.end_array();

  auto counts = [&](const char* key, const std::vector<std::array<int64_t, 5>>& table,
                    const std::vector<size_t>* rows) {
    w.key(key).begin_array();
    for (size_t i = 0; i < (rows ? rows->size() : table.size()); ++i) {
      w.begin_array();
      for (int64_t n : table[rows ? (*rows)[i] : i]) w.num(n);
      w.end_array();
    }
    w.end_array();
  };
  counts("by_host", by_host, &listed);
  counts("by_rule", by_rule, nullptr);

  w.key("details").raw(chains.text());
  w.key("strings");
  strings.write(w);

  // Movements: each target end whose source end is known, in time order.
  std::vector<std::pair<Ticks, size_t>> moves;
  for (size_t i = 0; i < findings.size(); ++i)
    for (const replay::LinkedFinding& l : findings[i].links)
      if (l.side == rules::link_side_name(rules::Link::Side::Source)) moves.push_back({findings[i].timestamp, i});
  std::stable_sort(moves.begin(), moves.end());
  w.key("movements").begin_array();
  for (size_t m = 0; m < moves.size() && m < kMarkedFindings; ++m) {
    const replay::Finding& f = findings[moves[m].second];
    for (const replay::LinkedFinding& l : f.links) {
      if (l.side != rules::link_side_name(rules::Link::Side::Source)) continue;
      w.begin_object();
      w.key("from").num(slot_of(l.device_name));
      w.key("from_name").name(l.device_name);
      w.key("to").num(slot_of(f.device_name));
      w.key("to_name").name(f.device_name);
      w.key("time").str(output::format_time(f.timestamp));
      w.key("time_ms").num(millis(f.timestamp));
      w.key("rule").num(static_cast<int64_t>(rule_index.at(f.rule_id)));
      w.key("level").num(static_cast<int64_t>(f.level));
      w.key("mark").num(mark_of[moves[m].second]);
      w.key("process").str(l.process);
      w.key("account").str(l.account);
      w.key("matched_by").str(l.matched_by);
      w.end_object();
    }
  }
  w.end_array();

  // What was read.
  w.key("files").begin_array();
  for (size_t i = 0; i < ev.files.size() && i < kListedFiles; ++i) {
    const pipeline::FileInfo& f = ev.files[i];
    w.begin_object();
    w.key("path").str(f.path);
    w.key("kind").str(f.kind);
    w.key("bytes").num(static_cast<int64_t>(f.bytes));
    w.key("records").num(static_cast<int64_t>(f.records));
    w.key("damaged").num(static_cast<int64_t>(f.damaged_records));
    w.key("chunks_skipped").num(static_cast<int64_t>(f.chunks_skipped));
    w.key("problems").num(static_cast<int64_t>(f.problems));
    write_time(w, "first", "first_ms", f.first_time);
    write_time(w, "last", "last_ms", f.last_time);
    w.key("channels").strings(f.channels);
    std::vector<std::string> names;
    for (size_t c = 0; c < f.computers.size() && c < kListedComputers; ++c) names.push_back(f.computers[c].name);
    if (f.computers.size() > kListedComputers)
      names.push_back("and " + std::to_string(f.computers.size() - kListedComputers) + " more");
    w.key("computers").names(names);
    w.end_object();
  }
  w.end_array();
  w.key("skipped").begin_array();
  for (const pipeline::SkippedInput& sk : ev.skipped) {
    w.begin_object();
    w.key("path").str(sk.path);
    w.key("reason").str(sk.reason);
    w.end_object();
  }
  w.end_array();
  w.key("problems").begin_array();
  for (size_t i = 0; i < ev.problems.size() && i < kListedProblems; ++i) {
    const pipeline::FileProblem& p = ev.problems[i];
    w.begin_object();
    w.key("file").str(p.file);
    w.key("kind").str(evtx::problem_kind_name(p.problem.kind));
    w.key("chunk").num(p.problem.chunk);
    w.key("offset").num(static_cast<int64_t>(p.problem.offset));
    w.key("message").str(p.problem.message);
    w.end_object();
  }
  w.end_array();
  w.key("warnings").strings(ev.warnings);
  size_t integrity_left = in.integrity ? write_integrity(w, *in.integrity) : 0;

  // What the report leaves out, said on the page.
  std::vector<std::string> notes;
  if (urgent_left)
    notes.push_back(std::to_string(urgent_left) +
                    " high and critical findings carry no evidence chain here: their chains " + "passed " +
                    std::to_string(kUrgentChainBytes >> 20) +
                    " MiB; each says where its chain is (the scan's jsonl output, evtxhunt timeline)");
  if (others_left)
    notes.push_back(std::to_string(others_left) + " findings below high carry no evidence chain here: every high and " +
                    "critical finding's chain is embedded, then the others' (by level, then time) up to " +
                    std::to_string(kChainBytes >> 20) +
                    " MiB of chains; each says where its chain is (the scan's jsonl output, evtxhunt timeline)");
  if (findings.size() > kMarkedFindings)
    notes.push_back("the time chart and the finding list show the first " + std::to_string(kMarkedFindings) +
                    " findings by level, then time; the counts include all " + std::to_string(findings.size()));
  if (!hourly)
    notes.push_back("records per hour are not embedded (" + std::to_string(host_hours) + " host-hours, more than " +
                    std::to_string(kHourlyVolume) + "): the time chart shows records in bins of " +
                    std::to_string(bin_hours) + " h at any zoom; the findings are placed to the minute");
  if (integrity_left)
    notes.push_back(std::to_string(integrity_left) + " log-integrity issues are not listed (the first " +
                    std::to_string(kListedIntegrity) +
                    ": integrity events and record-id issues, then time order, then silences); evtxhunt metrics "
                    "--integrity lists them all");
  if (ev.problems.size() > kListedProblems)
    notes.push_back(std::to_string(ev.problems.size()) + " problems found in the files; the first " +
                    std::to_string(kListedProblems) + " are listed (evtxhunt inventory lists them all)");
  if (hosts.keys.size() > kListedHosts)
    notes.push_back(std::to_string(hosts.keys.size()) + " hosts: the " + std::to_string(kListedHosts) +
                    " with findings (highest level, then most) or else the most records are drawn; the counts "
                    "include all (evtxhunt inventory lists every host)");
  if (ev.files.size() > kListedFiles)
    notes.push_back(std::to_string(ev.files.size()) + " files read; the first " + std::to_string(kListedFiles) +
                    " are listed (evtxhunt inventory lists them all)");
  w.key("notes").strings(notes);
  w.end_object();
  return script_safe(w.text());
}

}  // namespace report
