#include "tables/evidence_catalog.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <unordered_set>

#include "details/key_fields.h"
#include "evtx/value.h"
#include "normalize/normalized_event.h"
#include "replay/host_replay.h"
#include "replay/scan.h"
#include "replay/sigma_host.h"
#include "store/event_codec.h"
#include "tables/defender_schema.h"

namespace tables {

const char* device_table(norm::Table t) {
  switch (t) {
    case norm::Table::Process: return "DeviceProcessEvents";
    case norm::Table::Network: return "DeviceNetworkEvents";
    case norm::Table::Logon: return "DeviceLogonEvents";
    case norm::Table::ImageLoad: return "DeviceImageLoadEvents";
    case norm::Table::File: return "DeviceFileEvents";
    case norm::Table::Registry: return "DeviceRegistryEvents";
    case norm::Table::Device:
    case norm::Table::Script: return "DeviceEvents";
    default: return nullptr;
  }
}

namespace {

using kql::Type;
using kql::Value;

Value value_of(const norm::FieldValue& f, Type want) {
  if (!f.known()) return Value::null_of(want);
  switch (f.kind) {
    case norm::FieldValue::Kind::Time: return want == Type::DateTime ? Value::datetime(f.i) : Value::null_of(want);
    case norm::FieldValue::Kind::Int:
      return want == Type::String ? Value::string(std::to_string(f.i))
             : want == Type::Long ? Value::integer(f.i)
                                  : Value::null_of(want);
    case norm::FieldValue::Kind::String:
      if (want == Type::String) return Value::string(f.s);
      if (want == Type::Dynamic) {  // AdditionalFields: the mapper's JSON object
        kql::Json j = kql::Json::parse(f.s, nullptr, false);
        return j.is_discarded() ? Value::null_of(want) : Value::dynamic(std::move(j));
      }
      if (want == Type::Long) {  // a logon id written 0x3e7
        try {
          if (f.s.rfind("0x", 0) == 0)
            return Value::integer(static_cast<int64_t>(std::stoull(f.s.substr(2), nullptr, 16)));
          return Value::integer(std::stoll(f.s));
        } catch (const std::exception&) {
          return Value::null_of(want);
        }
      }
      return Value::null_of(want);
    default: return Value::null_of(want);
  }
}

constexpr size_t kTables = static_cast<size_t>(norm::Table::Other) + 1;

// A script block (PowerShell 4104) in DeviceEvents as Defender writes a
// PowerShell command: ActionType PowerShellCommand, the text in
// AdditionalFields.Command.
void as_powershell_command(const norm::NormalizedEvent& ev, const std::vector<ColumnSource>& columns, kql::Row& row) {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].name == "ActionType") row[c] = Value::string("PowerShellCommand");
    if (columns[c].name == "AdditionalFields" && ev[norm::Field::ScriptBlockText].known())
      row[c] = Value::dynamic(kql::Json::object({{"Command", ev[norm::Field::ScriptBlockText].s}}));
  }
}

bool is_logon_event(uint16_t id) { return id == 4624 || id == 4625 || id == 4634 || id == 4647 || id == 4648; }

// One host's rows of each table wanted, in its replayed order.
struct HostRows {
  std::map<std::string, std::vector<kql::Row>, std::less<>> rows;
  std::vector<std::map<std::string, std::string>> security;  // SecurityEvent's EventData, per row
};

}  // namespace

// The tables being built between begin() and finish().
struct EvidenceCatalog::Build {
  std::set<std::string> wanted;
  // Per normalized table (indexed by norm::Table), the KQL table its rows go to and their columns.
  std::array<const char*, kTables> target{};
  std::array<std::vector<ColumnSource>, kTables> sources;
  bool security = false;
  std::vector<HostRows> per_host;  // by index in hosts_
};

EvidenceCatalog::~EvidenceCatalog() = default;

EvidenceCatalog::EvidenceCatalog(const pipeline::Evidence& evidence, CatalogOptions options)
    : evidence_(evidence),
      options_(std::move(options)),
      hosts_(replay::kept_hosts(evidence_, options_.filter)),
      refs_(hosts_.size()) {}

std::string EvidenceCatalog::record_name(uint64_t ref) const {
  const RecordRef& r = refs_.at(ref >> kHostShift).at(ref & ((uint64_t{1} << kHostShift) - 1));
  return evidence_.store.file(r.file_id) + "#" + std::to_string(r.record_id);
}

const pipeline::Host& EvidenceCatalog::host_of(uint64_t ref) const { return *hosts_.at(ref >> kHostShift); }

std::map<uint64_t, std::shared_ptr<const norm::NormalizedEvent>> EvidenceCatalog::events(
    const std::vector<uint64_t>& refs) const {
  // Per host: the records wanted, by (file, position, event of the record).
  using Where = std::tuple<uint32_t, uint64_t, uint8_t>;
  std::vector<std::map<Where, uint64_t>> wanted(hosts_.size());
  for (uint64_t ref : refs) {
    size_t h = ref >> kHostShift;
    const RecordRef& r = refs_.at(h).at(ref & ((uint64_t{1} << kHostShift) - 1));
    wanted[h].emplace(Where{r.file_id, r.ordinal, r.seq}, ref);
  }
  std::vector<const pipeline::Host*> hosts;
  std::vector<size_t> index;
  for (size_t h = 0; h < hosts_.size(); ++h)
    if (!wanted[h].empty()) {
      hosts.push_back(hosts_[h]);
      index.push_back(h);
    }
  std::vector<std::map<uint64_t, std::shared_ptr<const norm::NormalizedEvent>>> found(hosts.size());
  struct AllFound {};  // ends a host's replay once its last wanted record is seen
  replay::for_each_host(hosts, options_.threads, [&](size_t i, const pipeline::Host& host) {
    const std::map<Where, uint64_t>& want = wanted[index[i]];
    pipeline::HostStream stream(evidence_, host);
    try {
      replay::replay_host(stream, {}, [&](const pipeline::StreamEvent& se) {
        auto it = want.find(Where{se.header.file_id, se.header.ordinal, se.header.seq});
        if (it == want.end()) return;
        found[i][it->second] = replay::evidence_event(se, evidence_, host);
        if (found[i].size() == want.size()) throw AllFound{};
      });
    } catch (const AllFound&) {
    }
  });
  std::map<uint64_t, std::shared_ptr<const norm::NormalizedEvent>> out;
  for (auto& f : found) out.merge(f);
  return out;
}

std::string EvidenceCatalog::missing_reason(std::string_view name) const { return not_built_reason(name); }

kql::TablePtr EvidenceCatalog::table(std::string_view name) {
  if (!schema(name)) return nullptr;
  if (!built_.count(name)) prepare({std::string(name)});
  return built_.at(std::string(name));
}

void EvidenceCatalog::use_columns(const kql::ColumnUse& use) {
  if (use.all) {
    columns_.reset();
    return;
  }
  columns_ = std::set<std::string, std::less<>>(use.names.begin(), use.names.end());
}

bool EvidenceCatalog::kept(std::string_view column) const { return !columns_ || columns_->count(column) > 0; }

std::vector<ColumnSource> EvidenceCatalog::sources_of(const Schema& s) const {
  std::vector<ColumnSource> out;
  for (const kql::Column& c : s.columns) {
    if (!kept(c.name)) continue;
    ColumnSource src{c.name, c.type, std::nullopt, c.name == "ReportId"};
    if (!src.report_id) src.field = norm::field_by_name(c.name);
    out.push_back(std::move(src));
  }
  return out;
}

void EvidenceCatalog::push_filters(std::vector<FilteringQuery> queries, const kql::RunOptions& options) {
  filter_queries_ = std::move(queries);
  filter_options_ = options;
}

kql::RowFilter EvidenceCatalog::row_filter(const std::string& table, const std::vector<ColumnSource>& columns) const {
  if (filter_queries_.empty()) return nullptr;
  std::vector<kql::Column> built;
  for (const ColumnSource& c : columns) built.push_back({c.name, c.type});
  std::vector<kql::RowFilter> any;  // a row is kept when one query's filter keeps it
  for (const FilteringQuery& q : filter_queries_) {
    if (std::find(q.tables.begin(), q.tables.end(), table) == q.tables.end()) continue;  // reads none of it
    kql::RowFilter f = kql::pushed_filter(*q.query, table, built, filter_options_);
    if (!f) return nullptr;
    any.push_back(std::move(f));
  }
  if (any.empty()) return nullptr;
  return [any = std::move(any)](const kql::Row& r) {
    return std::any_of(any.begin(), any.end(), [&](const kql::RowFilter& f) { return f(r); });
  };
}

void EvidenceCatalog::prepare(const std::vector<std::string>& names) {
  begin(names);
  if (!build_) return;
  replay::for_each_host(hosts_, options_.threads, [&](size_t, const pipeline::Host& host) {
    pipeline::HostStream stream(evidence_, host);
    replay::replay_host(stream, {}, host_sink(host));
  });
  finish();
}

void EvidenceCatalog::begin(const std::vector<std::string>& wanted_names) {
  build_.reset();
  auto b = std::make_unique<Build>();
  for (const std::string& n : wanted_names)
    if (schema(n) && !built_.count(n)) b->wanted.insert(n);
  if (b->wanted.empty()) return;
  for (size_t t = 0; t < b->target.size(); ++t) {
    const char* name = device_table(static_cast<norm::Table>(t));
    if (!name || !b->wanted.count(name)) continue;
    b->target[t] = name;
    b->sources[t] = sources_of(*schema(name));
  }
  b->security = b->wanted.count("SecurityEvent") > 0;
  b->per_host.resize(hosts_.size());
  build_ = std::move(b);
}

replay::EventSink EvidenceCatalog::host_sink(const pipeline::Host& host) {
  if (!build_) return {};
  auto at = std::find(hosts_.begin(), hosts_.end(), &host);
  if (at == hosts_.end()) return {};
  const size_t i = static_cast<size_t>(at - hosts_.begin());
  Build& b = *build_;
  struct HostState {
    std::array<kql::RowFilter, kTables> keeps;  // this thread's
    std::unordered_set<std::string> processes;  // one row per process run
  };
  auto st = std::make_shared<HostState>();
  for (size_t t = 0; t < b.target.size(); ++t)
    if (b.target[t]) st->keeps[t] = row_filter(b.target[t], b.sources[t]);
  HostRows& out = b.per_host[i];
  return [this, i, st, &b, &out](const pipeline::StreamEvent& se) {
    store::EventView view(se.raw, evidence_.store.pool());
    if (!options_.filter.keeps_event(se.header.timestamp, se.header.event_id, view.channel())) return;
    kql::Sources record;  // this event's ref, made for its first row
    auto record_sources = [&] {
      if (!options_.provenance || record) return record;
      refs_[i].push_back({se.header.ordinal, se.header.record_id, se.header.file_id, se.header.seq});
      auto p = std::make_shared<kql::Provenance>();
      p->refs.push_back((uint64_t{i} << kHostShift) | (refs_[i].size() - 1));
      return record = std::move(p);
    };
    if (se.norm) {
      const norm::NormalizedEvent& ev = *se.norm;
      const size_t t = static_cast<size_t>(ev.table);
      if (const char* table = b.target[t]) {
        if (ev.table == norm::Table::Process) {
          const norm::FieldValue& id = ev[norm::Field::ProcessUniqueId];
          if (id.known() && !st->processes.insert(id.s).second) return;
        }
        kql::Row row;
        row.reserve(b.sources[t].size());
        for (const ColumnSource& c : b.sources[t]) {
          if (c.report_id)
            row.push_back(Value::integer(static_cast<int64_t>(se.header.record_id)));
          else if (c.field)
            row.push_back(value_of(ev[*c.field], c.type));
          else
            row.push_back(Value::null_of(c.type));
        }
        if (ev.table == norm::Table::Script) as_powershell_command(ev, b.sources[t], row);
        if (!st->keeps[t] || st->keeps[t](row)) {
          row.sources = record_sources();
          out.rows[table].push_back(std::move(row));
        }
      }
    }
    if (b.security && view.provider() == norm::kSecurityProvider) {
      std::map<std::string, std::string> data;
      std::string xml = "<EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">";
      view.for_each_data([&](std::string_view name, const evtx::RawValue& v) {
        std::string text;
        evtx::append_value_text(text, v);
        xml += "<Data Name=\"";
        evtx::append_xml_escaped(xml, name, true);
        xml += "\">";
        evtx::append_xml_escaped(xml, text, false);
        xml += "</Data>";
        data.emplace(std::string(name), std::move(text));
      });
      xml += "</EventData>";
      auto get = [&](const char* k) {
        auto it = data.find(k);
        return it == data.end() || it->second == "-" ? std::string() : it->second;
      };
      auto joined = [&](const char* domain, const char* user) {
        std::string u = get(user), d = get(domain);
        return d.empty() || u.empty() ? u : d + "\\" + u;
      };
      uint16_t id = se.header.event_id;
      std::string user =
          is_logon_event(id) || get("SubjectUserName").empty() ? get("TargetUserName") : get("SubjectUserName");
      std::string domain =
          is_logon_event(id) || get("SubjectUserName").empty() ? get("TargetDomainName") : get("SubjectDomainName");
      std::string account = domain.empty() ? user : domain + "\\" + user;
      const details::KeyFields* kf = details::key_fields(view.provider(), id);
      std::string activity = std::to_string(id) + (kf && !kf->name.empty() ? " - " + kf->name : "");
      kql::Row row = {Value::datetime(se.header.time_created),
                      Value::string(std::string(view.computer())),
                      Value::integer(id),
                      Value::string(activity),
                      Value::string(std::string(view.channel())),
                      Value::string(std::string(view.provider())),
                      Value::string(account),
                      Value::string(user.empty()         ? ""
                                    : user.back() == '$' ? "Machine"
                                                         : "User"),
                      Value::string(""),
                      Value::string(std::to_string(se.header.record_id)),
                      Value::string(xml),
                      Value::string(joined("SubjectDomainName", "SubjectUserName")),
                      Value::string(joined("TargetDomainName", "TargetUserName")),
                      Value::string(""),
                      Value::string(""),
                      Value::string(""),
                      Value::string(""),
                      Value::string("SecurityEvent")};
      row.sources = record_sources();
      out.rows["SecurityEvent"].push_back(std::move(row));
      out.security.push_back(std::move(data));
    }
  };
}

void EvidenceCatalog::finish() {
  if (!build_) return;
  std::unique_ptr<Build> b = std::move(build_);
  std::vector<HostRows>& per_host = b->per_host;
  for (const std::string& name : b->wanted) {
    auto t = std::make_shared<kql::Table>();
    t->columns = schema(name)->columns;
    if (name == "SecurityEvent") {
      // Each EventData field a column, after Sentinel's, in name order.
      std::set<std::string> fields;
      for (const HostRows& h : per_host)
        for (const auto& d : h.security)
          for (const auto& [k, v] : d)
            if (!t->find(k)) fields.insert(k);
      size_t from = schema(name)->event_data_from;
      for (const std::string& f : fields) t->columns.push_back({f, Type::String});
      for (HostRows& h : per_host) {
        auto it = h.rows.find(name);
        if (it == h.rows.end()) continue;
        for (size_t r = 0; r < it->second.size(); ++r) {
          kql::Row& row = it->second[r];
          row.resize(t->columns.size(), Value::string(""));
          for (const auto& [k, v] : h.security[r]) {
            auto c = t->find(k);
            if (c && *c >= from) row[*c] = Value::string(v);
          }
        }
      }
    }
    for (HostRows& h : per_host) {
      auto it = h.rows.find(name);
      if (it == h.rows.end()) continue;
      for (kql::Row& r : it->second) t->rows.push_back(std::move(r));
    }
    // Only the columns the query can see (Device* rows were built so).
    std::vector<size_t> keep;
    for (size_t c = 0; c < t->columns.size(); ++c)
      if (kept(t->columns[c].name)) keep.push_back(c);
    if (name == "SecurityEvent" && keep.size() < t->columns.size()) {
      for (kql::Row& r : t->rows) {
        kql::Row narrow;
        narrow.sources = std::move(r.sources);
        for (size_t c : keep) narrow.push_back(std::move(r[c]));
        r = std::move(narrow);
      }
    }
    std::vector<kql::Column> columns;
    for (size_t c : keep) columns.push_back(t->columns[c]);
    t->columns = std::move(columns);
    built_[name] = t;
  }
}

std::vector<std::string> mentioned_tables(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& n : table_names()) {
    for (size_t at = text.find(n); at != std::string_view::npos; at = text.find(n, at + 1)) {
      auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
      bool starts = at == 0 || !word(text[at - 1]);
      bool ends = at + n.size() == text.size() || !word(text[at + n.size()]);
      if (starts && ends) {
        out.push_back(n);
        break;
      }
    }
  }
  return out;
}

norm::TableSet tables_read(const std::vector<std::string>& kql_tables) {
  norm::TableSet set = norm::kReplayTables;
  for (norm::Table t : {norm::Table::ImageLoad, norm::Table::File, norm::Table::Registry, norm::Table::Device})
    if (std::find(kql_tables.begin(), kql_tables.end(), norm::table_name(t)) != kql_tables.end())
      set |= norm::table_bit(t);
  return set;
}

}  // namespace tables
