#include "logons/logon_summary.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "pipeline/host_stream.h"
#include "replay/scan.h"
#include "store/event_codec.h"

namespace logons {
namespace {

using Key = std::tuple<uint16_t, std::string, std::string, std::string, std::string, std::string, std::string, Result,
                       std::string>;

Key key_of(uint16_t id, const LogonFacts& f) {
  return {id,       f.account, f.logon_type,    f.source_ip, f.workstation, f.auth_package,
          f.target, f.result,  f.failure_reason};
}

bool wanted(const LogonFacts& f, const SummaryOptions& o) {
  if (o.failed_only) return f.result == Result::Failure;
  if (o.successful_only) return f.result == Result::Success;
  return true;
}

}  // namespace

std::vector<LogonRow> summarize_logons(const pipeline::Evidence& evidence, const SummaryOptions& options) {
  std::vector<const pipeline::Host*> hosts = replay::kept_hosts(evidence, options.filter);
  std::vector<std::vector<LogonRow>> per_host(hosts.size());
  replay::for_each_host(hosts, options.threads, [&](size_t i, const pipeline::Host& host) {
    std::map<Key, LogonRow> groups;
    std::vector<std::pair<std::string_view, evtx::RawValue>> fields;
    FieldLookup lookup = [&fields](std::string_view name) -> const evtx::RawValue* {
      for (const auto& [n, v] : fields)
        if (n == name) return &v;
      return nullptr;
    };
    pipeline::HostStream stream(evidence, host);
    stream.for_each([&](const pipeline::StreamEvent& se) {
      store::EventView view(se.raw, evidence.store.pool());
      normalize::Ticks t = se.header.timestamp;
      if (!options.filter.keeps_event(t, se.header.event_id, view.channel())) return;
      fields.clear();
      view.for_each_data([&](std::string_view name, const evtx::RawValue& v) { fields.emplace_back(name, v); });
      std::optional<LogonFacts> facts = logon_facts(view.provider(), se.header.event_id, lookup);
      if (!facts || !wanted(*facts, options)) return;
      LogonRow& row = groups[key_of(se.header.event_id, *facts)];
      if (row.count++ == 0) {
        row.host = host.key;
        row.event_id = se.header.event_id;
        row.facts = std::move(*facts);
        row.first = row.last = t;
        row.first_file = evidence.store.file(se.header.file_id);
        row.first_record = se.header.record_id;
      }
      // Events come in time order: the first seen is the first.
      row.last = t;
    });
    for (auto& [key, row] : groups) per_host[i].push_back(std::move(row));
  });
  std::vector<LogonRow> rows;
  for (auto& v : per_host)
    for (LogonRow& r : v) rows.push_back(std::move(r));
  std::stable_sort(rows.begin(), rows.end(), [](const LogonRow& a, const LogonRow& b) {
    if (a.count != b.count) return a.count > b.count;
    return std::tie(a.host, a.event_id, a.facts.account, a.first) <
           std::tie(b.host, b.event_id, b.facts.account, b.first);
  });
  return rows;
}

}  // namespace logons
