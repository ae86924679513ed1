#include "tables/kql_findings.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "kql/engine.h"
#include "replay/finding_details.h"
#include "tables/evidence_catalog.h"

namespace tables {
namespace {

normalize::FieldValue field_of(const kql::Value& v) {
  if (v.null) return {};
  switch (v.type) {
    case kql::Type::Long: return normalize::FieldValue::integer(v.i);
    case kql::Type::DateTime: return normalize::FieldValue::time(v.i);
    default: return normalize::FieldValue::str(kql::to_text(v));
  }
}

// The row's time: its Timestamp or TimeGenerated column, else its first
// datetime column (the hunt's own time of what it found); null when none.
std::optional<int64_t> row_time(const kql::Table& t, const kql::Row& row) {
  std::optional<size_t> at;
  for (const char* name : {"Timestamp", "TimeGenerated"})
    if (auto c = t.find(name); !at && c && t.columns[*c].type == kql::Type::DateTime) at = c;
  for (size_t c = 0; !at && c < t.columns.size(); ++c)
    if (t.columns[c].type == kql::Type::DateTime) at = c;
  if (!at || row[*at].null || row[*at].type != kql::Type::DateTime) return std::nullopt;
  return row[*at].i;
}

// The stage a record is shown under: the table of the rule's it is a row of
// (a Security record a Device* table also maps is a SecurityEvent row to a
// rule that reads only SecurityEvent).
std::string stage_of(const normalize::NormalizedEvent& ev, const std::vector<std::string>& rule_tables) {
  const char* table = normalize::table_info(ev.table).kql_table;
  auto reads = [&](const char* t) { return std::find(rule_tables.begin(), rule_tables.end(), t) != rule_tables.end(); };
  if (table && (reads(table) || !reads("SecurityEvent"))) return table;
  return "SecurityEvent";
}

}  // namespace

normalize::TableSet kql_tables_read(const std::vector<const KqlRule*>& rules) {
  std::vector<std::string> names;
  for (const KqlRule* r : rules) names.insert(names.end(), r->tables.begin(), r->tables.end());
  return tables_read(names);
}

bool kql_reads_every_record(const std::vector<const KqlRule*>& rules) {
  return std::any_of(rules.begin(), rules.end(), [](const KqlRule* r) {
    return std::find(r->tables.begin(), r->tables.end(), "SecurityEvent") != r->tables.end();
  });
}

int64_t evidence_now(const pipeline::Evidence& evidence) {
  int64_t now = 0;
  for (const pipeline::FileInfo& f : evidence.files) now = std::max(now, f.last_time);
  return now;
}

KqlRuleScan::KqlRuleScan(const pipeline::Evidence& evidence, const std::vector<const KqlRule*>& rules,
                         const replay::ScanFilter& filter, int threads, SpillOptions spill)
    : evidence_(evidence), rules_(rules), filter_(filter) {
  if (rules_.empty()) return;
  CatalogOptions copts;
  copts.filter = filter.events;
  copts.threads = threads;
  copts.provenance = true;
  options_.memory_bytes = spill.memory_bytes;
  options_.new_spill_file = spill.new_file;
  copts.spill = std::move(spill);
  catalog_ = std::make_unique<EvidenceCatalog>(evidence, copts);
  // One build of the tables for every rule: the columns any of them can see,
  // the rows any of them can keep.
  kql::ColumnUse use;
  std::set<std::string> names, columns;
  std::vector<EvidenceCatalog::FilteringQuery> queries;
  for (const KqlRule* r : rules_) {
    names.insert(r->tables.begin(), r->tables.end());
    kql::ColumnUse u = kql::columns_used(r->query);
    use.all = use.all || u.all;
    columns.insert(u.names.begin(), u.names.end());
    queries.push_back({&r->query, r->tables});
  }
  use.names.assign(columns.begin(), columns.end());
  options_.now = evidence_now(evidence);
  catalog_->use_columns(use);
  catalog_->push_filters(queries, options_);
  catalog_->begin({names.begin(), names.end()});
}

KqlRuleScan::~KqlRuleScan() = default;

replay::HostSinks KqlRuleScan::sinks() {
  if (!catalog_) return {};
  return [this](const pipeline::Host& host) { return catalog_->host_sink(host); };
}

std::vector<std::string> KqlRuleScan::add_findings(replay::HostsReplayed& replayed) {
  std::vector<std::string> warnings;
  if (!catalog_) return warnings;
  catalog_->finish();
  EvidenceCatalog& catalog = *catalog_;
  const replay::ScanFilter& filter = filter_;
  const kql::RunOptions& ropts = options_;
  const std::vector<const KqlRule*>& rules = rules_;
  const pipeline::Evidence& evidence = evidence_;
  struct RuleRows {
    const KqlRule* rule;
    kql::Table table;
  };
  std::vector<RuleRows> results;
  std::vector<uint64_t> refs;
  for (const KqlRule* r : rules) {
    try {
      kql::RunResult res = kql::run(r->query, catalog, ropts);
      for (const std::string& w : res.warnings) warnings.push_back(r->id + ": " + w);
      size_t bare = 0;
      for (const kql::Row& row : res.table.rows) {
        if (!row.sources || row.sources->refs.empty())
          ++bare;
        else
          refs.insert(refs.end(), row.sources->refs.begin(), row.sources->refs.end());
      }
      if (bare > 0)
        warnings.push_back(r->id + ": " + std::to_string(bare) +
                           " result rows with no record behind them are not findings");
      results.push_back({r, std::move(res.table)});
    } catch (const kql::QueryError& e) {
      warnings.push_back(r->file + ":" + std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) + ": rule " +
                         r->id + " did not run: " + e.message);
    } catch (const std::exception& e) {  // e.g. out of memory: this rule's findings are lost, not the scan's
      warnings.push_back(r->file + ": rule " + r->id + " did not run: " + e.what());
    }
  }
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  std::map<uint64_t, std::shared_ptr<const normalize::NormalizedEvent>> events = catalog.events(refs);

  std::unordered_map<const normalize::NormalizedEvent*, uint64_t> ref_of;  // an evidence event's record
  for (const auto& [ref, ev] : events) ref_of[ev.get()] = ref;

  std::map<const pipeline::Host*, std::vector<replay::Finding>> by_host;
  for (const RuleRows& rr : results) {
    for (const kql::Row& row : rr.table.rows) {
      if (!row.sources || row.sources->refs.empty()) continue;
      replay::Finding f;
      f.rule_id = rr.rule->id;
      f.title = rr.rule->title;
      f.level = rr.rule->level;
      f.tags = rr.rule->tags;
      for (uint64_t ref : row.sources->refs)
        if (auto it = events.find(ref); it != events.end())
          f.evidence.push_back({stage_of(*it->second, rr.rule->tables), it->second, 0, {}});
      if (f.evidence.empty()) continue;
      if (row.sources->more)
        f.notes.push_back("the latest " + std::to_string(kql::kMaxSources) + " records behind the row are listed");
      // The finding's time is the row's; its records from that time on come
      // first (in time order), then those before it: context an aggregate
      // read, such as the boot a LastBootTime came from.
      std::stable_sort(f.evidence.begin(), f.evidence.end(),
                       [](const replay::EvidenceStep& a, const replay::EvidenceStep& b) {
                         return a.event->timestamp() < b.event->timestamp();
                       });
      f.timestamp = row_time(rr.table, row).value_or(f.evidence.front().event->timestamp());
      std::stable_partition(f.evidence.begin(), f.evidence.end(),
                            [&](const replay::EvidenceStep& e) { return e.event->timestamp() >= f.timestamp; });
      // On the host of the record at the row's time (a row may join hosts).
      const pipeline::Host& host = catalog.host_of(ref_of.at(f.evidence.front().event.get()));
      f.device_id = host.key;
      f.device_name = (*f.evidence.front().event)[normalize::Field::DeviceName].s;
      for (size_t c = 0; c < rr.table.columns.size(); ++c) {
        const std::string& name = rr.table.columns[c].name;
        const kql::Value& v = row[c];
        if (v.type == kql::Type::Dynamic && v.d && v.d->is_array()) {  // a set or list: its values
          std::vector<normalize::FieldValue> values;
          for (const kql::Json& e : *v.d) values.push_back(field_of(kql::from_json(e)));
          f.collected.emplace_back(name, std::move(values));
          continue;
        }
        f.fields.emplace_back(name, field_of(v));
      }
      by_host[&host].push_back(std::move(f));
    }
  }
  replay::TuningCounts counts;
  if (filter.findings.tuning) counts = filter.findings.tuning->counts();
  // The findings kept, on hosts this scan replayed (a shard's); then each
  // record's details from its own host's store.
  std::map<const pipeline::Host*, std::vector<replay::EvidenceStep*>> steps;
  for (replay::HostFindings& h : replayed.hosts) {
    auto it = by_host.find(h.host);
    if (it == by_host.end()) continue;
    std::erase_if(it->second, [&](replay::Finding& f) { return !filter.keeps(f, &counts); });
    for (replay::Finding& f : it->second)
      for (replay::EvidenceStep& e : f.evidence) steps[&catalog.host_of(ref_of.at(e.event.get()))].push_back(&e);
  }
  for (auto& [host, list] : steps) {
    std::vector<replay::Finding> one(1);  // the host's records, as attach_details takes them
    for (const replay::EvidenceStep* e : list) one[0].evidence.push_back(*e);
    replay::attach_details(evidence, *host, one, filter.all_fields);
    for (size_t i = 0; i < list.size(); ++i) list[i]->details = std::move(one[0].evidence[i].details);
  }
  for (replay::HostFindings& h : replayed.hosts) {
    auto it = by_host.find(h.host);
    if (it == by_host.end()) continue;
    for (replay::Finding& f : it->second) h.findings.push_back(std::move(f));
    std::stable_sort(h.findings.begin(), h.findings.end(), replay::before_in_host);
  }
  if (filter.findings.tuning) replayed.tuning.add(counts);
  return warnings;
}

}  // namespace tables
