#include "replay/host_replay.h"

#include "normalize/mapping_util.h"
#include "replay/boot_clock.h"
#include "replay/process_table.h"
#include "replay/rule_matcher.h"
#include "replay/sigma_host.h"

namespace replay {
namespace {

using normalize::Field;
using normalize::NormalizedEvent;

}  // namespace

HostResult replay_host(const pipeline::HostStream& stream, const std::vector<const rules::Rule*>& rules,
                       const EventSink& sink, const sigma::RuleSet* sigma) {
  HostResult result;
  LogCoverage coverage(stream.evidence(), stream.host());
  ProcessTable table(stream.host().key, &coverage);
  std::vector<RuleMatcher> matchers;
  matchers.reserve(rules.size());
  for (const rules::Rule* r : rules) matchers.emplace_back(*r);
  BootClock boots;
  std::unique_ptr<SigmaHost> sigma_host =
      sigma ? std::make_unique<SigmaHost>(*sigma, stream.evidence(), stream.host()) : nullptr;
  auto done = [&](const pipeline::StreamEvent& se) {
    if (sigma_host) sigma_host->on_event(se, table);
    if (sink) sink(se);
  };

  result.duplicates_dropped = stream.for_each([&](const pipeline::StreamEvent& se) {
    if (!se.norm) {
      done(se);
      return;
    }
    NormalizedEvent& ev = *se.norm;
    if (ev.table == normalize::Table::Boot) {
      if (boots.on_marker(ev)) table.on_boot(ev.timestamp());
      done(se);
      return;
    }
    ev[Field::LastBootTime] = boots.last_boot();
    bool feed = true;
    switch (ev.table) {
      case normalize::Table::Process:
        if (!table.on_created(ev)) {
          ++result.merged_processes;
          feed = false;
        }
        break;
      case normalize::Table::Network:
        if (const normalize::FieldValue& ip = ev[Field::LocalIP];
            ip.known() && normalize::address_kind(ip.s) == normalize::AddressKind::Unicast)
          result.addresses.insert(ip.s);
        table.on_initiated(ev);
        break;
      case normalize::Table::Script:
      case normalize::Table::ImageLoad:
      case normalize::Table::File:
      case normalize::Table::Registry:
      case normalize::Table::Device: table.on_initiated(ev); break;
      case normalize::Table::Logon: break;
      case normalize::Table::ProcessEnd: {
        std::string ended = table.on_ended(ev);
        if (!ended.empty())
          for (RuleMatcher& m : matchers) m.on_process_end(ended);
        feed = false;
        break;
      }
      case normalize::Table::Boot:
      case normalize::Table::Other: break;
    }
    if (feed)
      for (RuleMatcher& m : matchers) m.on_event(se.norm);
    // A services.exe started by wininit.exe is a process and a boot marker
    // (it started after the boot's first processes: none of them ends here).
    if (ev.boot != normalize::BootMarker::None && boots.on_marker(ev)) table.on_boot(ev.timestamp());
    done(se);
  });
  for (RuleMatcher& m : matchers)
    for (Finding& f : m.finish()) result.findings.push_back(std::move(f));
  if (sigma_host)
    for (Finding& f : sigma_host->finish()) result.findings.push_back(std::move(f));
  return result;
}

}  // namespace replay
