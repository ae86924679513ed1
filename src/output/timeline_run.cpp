#include "output/timeline_run.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "output/event_row.h"
#include "output/row_spool.h"
#include "replay/finding_details.h"
#include "replay/host_replay.h"
#include "replay/link.h"
#include "replay/scan.h"

namespace output {
namespace {

struct HostOutput {
  std::vector<replay::Finding> findings;
  replay::TuningCounts tuning;
  std::vector<RowTag> tags;
  uint64_t duplicates = 0;
  std::set<std::string> addresses;  // the host's own (for linking)
  std::map<std::tuple<std::string, std::string, std::string, uint16_t>, RowCount> counts;  // count_only
};

using Spans = std::vector<std::pair<normalize::Ticks, normalize::Ticks>>;

// The time spans [first evidence - d, last evidence + d] of the findings,
// sorted and merged where they overlap.
Spans context_spans(const std::vector<replay::Finding>& findings, normalize::Ticks d) {
  Spans spans;
  for (const replay::Finding& f : findings) {
    normalize::Ticks lo = f.timestamp, hi = f.timestamp;
    for (const replay::EvidenceStep& e : f.evidence) {
      lo = std::min(lo, e.event->timestamp());
      hi = std::max(hi, e.event->timestamp());
    }
    spans.emplace_back(lo - d, hi + d);
  }
  std::sort(spans.begin(), spans.end());
  Spans merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, s.second);
    else
      merged.push_back(s);
  }
  return merged;
}

bool in_spans(const Spans& spans, normalize::Ticks t) {
  auto it = std::upper_bound(
      spans.begin(), spans.end(), t,
      [](normalize::Ticks v, const std::pair<normalize::Ticks, normalize::Ticks>& s) { return v < s.first; });
  return it != spans.begin() && std::prev(it)->second >= t;
}

}  // namespace

TimelineResult write_timeline(pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules,
                              const TimelineOptions& options, const std::function<void(std::string_view)>& write,
                              const sigma::RuleSet* sigma) {
  std::vector<const pipeline::Host*> hosts = replay::kept_hosts(evidence, options.filter.events);
  std::vector<HostOutput> outputs(hosts.size());
  std::vector<RowSpool> spools;
  size_t cap = std::max<size_t>(64u << 10, options.memory_bytes / (4 * std::max<size_t>(hosts.size(), 1)));
  for (size_t i = 0; i < hosts.size(); ++i)
    spools.emplace_back([&evidence]() -> store::TempDir& { return evidence.store.temp_dir(); }, cap);

  replay::for_each_host(hosts, options.threads, [&](size_t i, const pipeline::Host& host) {
    HostOutput& out = outputs[i];
    pipeline::HostStream stream(evidence, host);
    replay::HostResult found = replay::replay_host(stream, rules, {}, sigma);
    out.duplicates = found.duplicates_dropped;
    out.addresses = std::move(found.addresses);
    if (options.filter.findings.tuning) out.tuning = options.filter.findings.tuning->counts();
    for (replay::Finding& f : found.findings)
      if (options.filter.findings.keeps(f, &out.tuning)) out.findings.push_back(std::move(f));
    replay::attach_details(evidence, host, out.findings, options.filter.all_fields);
    // Tags: the findings each event is evidence of, by the event's origin.
    out.tags.reserve(out.findings.size());
    std::map<std::pair<uint32_t, uint64_t>, std::vector<const RowTag*>> tags;
    for (const replay::Finding& f : out.findings) {
      out.tags.push_back({f.rule_id, f.title, f.level, f.tags});
      for (const replay::EvidenceStep& e : f.evidence) {
        auto& v = tags[{e.event->origin.file, e.event->origin.position}];
        if (std::find(v.begin(), v.end(), &out.tags.back()) == v.end()) v.push_back(&out.tags.back());
      }
    }
    Spans spans = options.context ? context_spans(out.findings, *options.context) : Spans{};
    std::string row;
    replay::replay_host(stream, {}, [&](const pipeline::StreamEvent& se) {
      normalize::Ticks t = se.header.timestamp;
      store::EventView view(se.raw, evidence.store.pool());
      if (!options.filter.events.keeps_event(t, se.header.event_id, view.channel())) return;
      EventRow r{&view, t, evidence.store.file(se.header.file_id), se.norm.get(), {}};
      auto tagged = tags.find({se.header.file_id, se.header.ordinal});
      if (tagged != tags.end()) r.tags = tagged->second;
      if (options.findings_only && r.tags.empty()) return;
      if (options.context && r.tags.empty() && !in_spans(spans, t)) return;
      std::vector<std::string> matched;
      if (options.matched) {
        matched = options.matched(view);
        r.matched = &matched;
        r.tags.clear();
      }
      if (options.count_only) {
        RowCount& c = out.counts[{std::string(view.computer()), std::string(view.channel()),
                                  std::string(view.provider()), se.header.event_id}];
        if (c.rows++ == 0) {
          c = {std::string(view.computer()),
               std::string(view.channel()),
               std::string(view.provider()),
               se.header.event_id,
               1,
               t,
               t};
        }
        c.first = std::min(c.first, t);
        c.last = std::max(c.last, t);
        return;
      }
      row.clear();
      append_timeline_row(row, r, options.format, options.style);
      spools[i].add(t, row);
    });
  });

  TimelineResult result;
  result.hosts = hosts.size();
  if (!options.count_only) write(timeline_header(options.format, options.style, bool(options.matched)));
  for (RowSpool& s : spools) {
    result.rows += s.rows();
    result.hosts_with_rows += s.rows() > 0;
  }
  merge_rows(spools, write);
  std::vector<replay::HostIdentity> identities;
  for (size_t i = 0; i < hosts.size(); ++i) {
    HostOutput& o = outputs[i];
    result.duplicates_dropped += o.duplicates;
    result.hosts_with_rows += !o.counts.empty();
    for (auto& [key, c] : o.counts) {
      result.rows += c.rows;
      result.counts.push_back(std::move(c));
    }
    result.tuning.add(o.tuning);
    std::stable_sort(o.findings.begin(), o.findings.end(),
                     [](const replay::Finding& a, const replay::Finding& b) { return a.timestamp < b.timestamp; });
    for (replay::Finding& f : o.findings) result.findings.push_back(std::move(f));
    identities.push_back(replay::host_identity(evidence, *hosts[i], std::move(o.addresses)));
  }
  // The two ends of a movement, as scan links them (the report draws them).
  replay::link_findings(result.findings, identities);
  return result;
}

TimelineResult write_timeline(pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules,
                              const TimelineOptions& options, OutputFile& out, const sigma::RuleSet* sigma) {
  std::string buffer;
  TimelineResult result = write_timeline(
      evidence, rules, options,
      [&](std::string_view text) {
        buffer += text;
        if (buffer.size() > (1u << 20)) {
          out.write(buffer);
          buffer.clear();
        }
      },
      sigma);
  out.write(buffer);
  return result;
}

}  // namespace output
