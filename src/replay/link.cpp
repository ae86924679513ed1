#include "replay/link.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "normalize/mapping_util.h"
#include "pipeline/event_writer.h"
#include "rules/rule.h"

namespace replay {
namespace {

using normalize::FieldValue;

// How well a source end and a target end agree; 0: not a pair.
enum Match : int { None = 0, OneSide = 1, Address = 2, Connection = 3 };
const char* match_name(int m) { return m == Connection ? "connection" : m == Address ? "address" : "one side"; }

bool same_value(const FieldValue& a, const FieldValue& b) {
  return a.known() && b.known() && a.kind == b.kind && a.i == b.i && a.s == b.s;
}

// Is `peer` (what one host saw of the other) this host? true / false / unknown.
// An address says nothing of a host whose own addresses the evidence never showed.
std::optional<bool> names_host(const FieldValue& address, const FieldValue& name, const HostIdentity& h) {
  std::optional<bool> by_address, by_name;
  if (address.known() && !h.addresses.empty()) by_address = h.addresses.count(address.s) > 0;
  if (name.known()) {
    std::string ip = normalize::canonical_ip(name.s);
    if (normalize::address_kind(ip) != normalize::AddressKind::Invalid) {
      if (!h.addresses.empty()) by_name = h.addresses.count(ip) > 0;
    } else {
      by_name = std::any_of(h.names.begin(), h.names.end(),
                            [&](const std::string& n) { return normalize::same_host_name(name.s, n); });
    }
  }
  if (by_address == true || by_name == true) return true;
  if (by_address == false || by_name == false) return false;
  return std::nullopt;
}

// How far apart two times are, in unsigned arithmetic: times of damaged
// records may lie so far apart that their signed difference overflows.
uint64_t time_gap(normalize::Ticks a, normalize::Ticks b) {
  return a > b ? static_cast<uint64_t>(a) - static_cast<uint64_t>(b)
               : static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
}

int match(const LinkEnd& src, const HostIdentity& src_host, const LinkEnd& dst, const HostIdentity& dst_host) {
  if (time_gap(src.time, dst.time) > static_cast<uint64_t>(kLinkWindow)) return None;
  if (same_value(src.local_address, dst.peer_address) && same_value(src.local_port, dst.peer_port) &&
      same_value(src.peer_address, dst.local_address) && same_value(src.peer_port, dst.local_port))
    return Connection;
  std::optional<bool> target_saw_source = names_host(dst.peer_address, {}, src_host);
  std::optional<bool> source_saw_target = names_host(src.peer_address, src.peer_name, dst_host);
  if (target_saw_source == false || source_saw_target == false) return None;
  if (target_saw_source && source_saw_target) return Address;
  if (target_saw_source || source_saw_target) return OneSide;
  return None;
}

LinkedFinding describe(const Finding& other, const LinkEnd& other_end, normalize::Ticks my_time, int how) {
  LinkedFinding l;
  l.side = rules::link_side_name(other_end.source ? rules::Link::Side::Source : rules::Link::Side::Target);
  l.device_name = other.device_name;
  l.rule_id = other.rule_id;
  l.timestamp = other_end.time;
  l.clock_offset = other_end.time - my_time;
  auto text = [](const FieldValue& v) { return v.known() ? pipeline::field_text(v) : std::string(); };
  l.process = text(other_end.process_file);
  if (other_end.process_id.known()) l.process += " (PID " + text(other_end.process_id) + ")";
  l.command_line = text(other_end.process_command_line);
  l.account = text(other_end.process_account);
  l.record = other_end.process_record;
  l.matched_by = match_name(how);
  return l;
}

// "+3.250 s": how far the other host's time lies from this one's (clock skew and the time between the two events).
std::string offset_text(normalize::Ticks d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.3f s", static_cast<double>(d) / static_cast<double>(normalize::kTicksPerSecond));
  return buf;
}

std::string note_of(const LinkedFinding& l) {
  std::string s = l.side + " end on " + l.device_name + ": " + l.rule_id + " at " +
                  pipeline::field_text(FieldValue::time(l.timestamp));
  if (!l.process.empty()) s += ", process " + l.process;
  if (!l.command_line.empty()) s += ", command line " + l.command_line;
  if (!l.account.empty()) s += ", account " + l.account;
  if (!l.record.empty()) s += " [" + l.record + "]";
  s += " (matched by " + l.matched_by + "; " + offset_text(l.clock_offset) + " from this end)";
  return s;
}

}  // namespace

void link_findings(std::vector<Finding>& findings, const std::vector<HostIdentity>& hosts) {
  std::map<std::string, const HostIdentity*> by_id;
  for (const HostIdentity& h : hosts) by_id[h.device_id] = &h;
  static const HostIdentity kUnknownHost;
  auto host_of = [&](const Finding& f) {
    auto it = by_id.find(f.device_id);
    return it == by_id.end() ? &kUnknownHost : it->second;
  };
  std::vector<size_t> sources, targets;
  for (size_t i = 0; i < findings.size(); ++i)
    if (findings[i].link_end) (findings[i].link_end->source ? sources : targets).push_back(i);
  // Sources in time order: a target looks only at those within the window,
  // the nearest first, at most kMaxLinkCandidates of them.
  auto end_time = [&](size_t i) { return findings[i].link_end->time; };
  std::stable_sort(sources.begin(), sources.end(), [&](size_t a, size_t b) { return end_time(a) < end_time(b); });
  // Each target takes, of each source rule, its best source finding: the
  // strongest match, then the closest time, then the first in output order
  // (deterministic). One movement seen by two source rules (the script and
  // its connections) links to both.
  struct Best {
    int match = None;
    uint64_t gap = 0;
    size_t index = 0;
  };
  std::vector<size_t> unlisted(findings.size(), 0);  // links past kMaxLinksPerFinding
  auto add_link = [&](Finding& f, size_t i, LinkedFinding l) {
    if (f.links.size() >= kMaxLinksPerFinding) {
      ++unlisted[i];
      return;
    }
    f.notes.push_back(note_of(l));
    f.links.push_back(std::move(l));
  };
  for (size_t t : targets) {
    Finding& dst = findings[t];
    const LinkEnd& de = *dst.link_end;
    std::map<std::string, Best> best;  // by source rule id
    auto consider = [&](size_t s) {
      const Finding& src = findings[s];
      if (src.device_id == dst.device_id) return;
      const LinkEnd& se = *src.link_end;
      int m = match(se, *host_of(src), de, *host_of(dst));
      if (m == None) return;
      uint64_t gap = time_gap(se.time, de.time);
      Best& b = best[src.rule_id];
      if (m > b.match || (m == b.match && (gap < b.gap || (gap == b.gap && s < b.index)))) b = Best{m, gap, s};
    };
    // Outward from the target's time: the nearer of the two sides each step.
    size_t right = static_cast<size_t>(std::lower_bound(sources.begin(), sources.end(), de.time,
                                                        [&](size_t i, normalize::Ticks v) { return end_time(i) < v; }) -
                                       sources.begin());
    size_t left = right;
    for (size_t seen = 0; seen < kMaxLinkCandidates; ++seen) {
      bool has_left = left > 0 && time_gap(end_time(sources[left - 1]), de.time) <= static_cast<uint64_t>(kLinkWindow);
      bool has_right =
          right < sources.size() && time_gap(end_time(sources[right]), de.time) <= static_cast<uint64_t>(kLinkWindow);
      if (!has_left && !has_right) break;
      bool take_left = has_left && (!has_right || time_gap(end_time(sources[left - 1]), de.time) <=
                                                      time_gap(end_time(sources[right]), de.time));
      consider(take_left ? sources[--left] : sources[right++]);
    }
    for (const auto& [rule, b] : best) {
      Finding& src = findings[b.index];
      add_link(dst, t, describe(src, *src.link_end, de.time, b.match));
      add_link(src, b.index, describe(dst, de, src.link_end->time, b.match));
    }
  }
  for (size_t i = 0; i < findings.size(); ++i)
    if (unlisted[i])
      findings[i].notes.push_back(std::to_string(unlisted[i]) + " more linked ends not listed (at most " +
                                  std::to_string(kMaxLinksPerFinding) + " per finding)");
}

}  // namespace replay
