// The evidence catalog. begin() decides which Device* table and columns each normalized table's
// events fill; host_sink() turns a host's replayed events into rows (one per process run, even
// if both Sysmon 1 and 4688 logged it; every Security record a SecurityEvent row, its EventData
// fields packed until finish() knows every name), dropping rows no pushed-down filter keeps;
// finish() joins the hosts' rows in host order, in memory or, past the spill budget, in files
// scan() reads back 4096 rows at a time. Used by `evtxhunt query` and scan's KQL rules.
#include "tables/evidence_catalog.h"

#include <algorithm>
#include <array>
#include <cstring>
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

namespace {

using kql::Type;
using kql::Value;

Value value_of(const normalize::FieldValue& f, Type want) {
  if (!f.known()) return Value::null_of(want);
  switch (f.kind) {
    case normalize::FieldValue::Kind::Time: return want == Type::DateTime ? Value::datetime(f.i) : Value::null_of(want);
    case normalize::FieldValue::Kind::Int:
      return want == Type::String ? Value::string(std::to_string(f.i))
             : want == Type::Long ? Value::integer(f.i)
                                  : Value::null_of(want);
    case normalize::FieldValue::Kind::String:
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

// A script block (PowerShell 4104) in DeviceEvents as Defender writes a
// PowerShell command: ActionType PowerShellCommand, the text in
// AdditionalFields.Command.
void as_powershell_command(const normalize::NormalizedEvent& ev, const std::vector<ColumnSource>& columns,
                           kql::Row& row) {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].name == "ActionType") row[c] = Value::string("PowerShellCommand");
    if (columns[c].name == "AdditionalFields" && ev[normalize::Field::ScriptBlockText].known())
      row[c] = Value::dynamic(kql::Json::object({{"Command", ev[normalize::Field::ScriptBlockText].s}}));
  }
}

bool is_logon_event(uint16_t id) { return id == 4624 || id == 4625 || id == 4634 || id == 4647 || id == 4648; }

// One host's rows of each table wanted, in its replayed order. A
// SecurityEvent row holds its kept Sentinel columns, then one string of its
// kept EventData fields (each name and value after its length), spread into columns once
// every host's field names are known (widen_security).
struct HostRows {
  std::map<std::string, kql::RowSpill, std::less<>> rows;
  std::set<std::string> fields;  // the kept EventData field names of its SecurityEvent rows
};

// The SecurityEvent columns a stored row is spread into.
struct SecurityColumns {
  size_t base = 0;                                  // kept Sentinel columns, first in a row
  std::unordered_map<std::string, size_t> by_name;  // an EventData field's column
};

// Texts one after another, each after its length (4 bytes, native order).
void pack(std::string& out, std::string_view text) {
  auto n = static_cast<uint32_t>(text.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n).append(text);
}
std::string_view unpack(std::string_view packed, size_t& at) {
  uint32_t n = 0;
  std::memcpy(&n, packed.data() + at, sizeof n);
  at += sizeof n + n;
  return packed.substr(at - n, n);
}

void widen_security(kql::Row& row, const SecurityColumns& sc, size_t width) {
  std::string packed = std::move(row.back().s);
  row.pop_back();
  row.resize(width, Value::string(""));
  for (size_t at = 0; at < packed.size();) {
    std::string name(unpack(packed, at));
    std::string_view value = unpack(packed, at);
    if (auto c = sc.by_name.find(name); c != sc.by_name.end()) row[c->second] = Value::string(std::string(value));
  }
}

}  // namespace

// The tables being built between begin() and finish().
struct EvidenceCatalog::Build {
  std::set<std::string> wanted;
  // Per normalized table (indexed by normalize::Table), the KQL table its rows go to and their columns.
  std::array<const char*, normalize::kTableCount> target{};
  std::array<std::vector<ColumnSource>, normalize::kTableCount> sources;
  bool security = false;
  std::vector<size_t> security_kept;                 // the Sentinel columns of SecurityEvent kept, by index
  std::set<std::string, std::less<>> security_base;  // every Sentinel column's name (no EventData field is one)
  std::vector<HostRows> per_host;                    // by index in hosts_
};

// A built table larger than the catalog's memory: its columns and each
// host's rows, read back chunk by chunk.
struct EvidenceCatalog::Stored {
  std::vector<kql::Column> columns;
  std::vector<kql::RowSpill> parts;
  std::optional<SecurityColumns> security;
  size_t rows = 0;
};

EvidenceCatalog::~EvidenceCatalog() = default;

EvidenceCatalog::EvidenceCatalog(const pipeline::Evidence& evidence, CatalogOptions options)
    : evidence_(evidence),
      options_(std::move(options)),
      hosts_(replay::kept_hosts(evidence_, options_.filter)),
      refs_(hosts_.size()),
      budget_(std::make_unique<kql::SpillBudget>()) {
  budget_->limit = options_.spill.memory_bytes;
  budget_->new_file = options_.spill.new_file;
}

std::string EvidenceCatalog::record_name(uint64_t ref) const {
  const RecordRef& r = refs_.at(ref >> kHostShift).at(ref & ((uint64_t{1} << kHostShift) - 1));
  return evidence_.store.file(r.file_id) + "#" + std::to_string(r.record_id);
}

const pipeline::Host& EvidenceCatalog::host_of(uint64_t ref) const { return *hosts_.at(ref >> kHostShift); }

std::map<uint64_t, std::shared_ptr<const normalize::NormalizedEvent>> EvidenceCatalog::events(
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
  std::vector<std::map<uint64_t, std::shared_ptr<const normalize::NormalizedEvent>>> found(hosts.size());
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
  std::map<uint64_t, std::shared_ptr<const normalize::NormalizedEvent>> out;
  for (auto& f : found) out.merge(f);
  return out;
}

std::string EvidenceCatalog::missing_reason(std::string_view name) const { return not_built_reason(name); }

kql::TablePtr EvidenceCatalog::table(std::string_view name) {
  if (!schema(name)) return nullptr;
  if (!built_.count(name) && !stored_.count(name)) prepare({std::string(name)});
  if (auto it = built_.find(name); it != built_.end()) return it->second;
  auto t = std::make_shared<kql::Table>();  // a stored table, read whole for this use
  scan(name, [&](kql::Table&& chunk) {
    t->columns = std::move(chunk.columns);
    for (kql::Row& r : chunk.rows) t->rows.push_back(std::move(r));
  });
  return t;
}

bool EvidenceCatalog::scan(std::string_view name, const std::function<void(kql::Table&&)>& fn) {
  if (schema(name) && !built_.count(name) && !stored_.count(name)) prepare({std::string(name)});
  auto it = stored_.find(name);
  if (it == stored_.end()) return false;
  const Stored& st = *it->second;
  constexpr size_t kChunk = 4096;
  bool given = false;
  for (const kql::RowSpill& part : st.parts)
    part.read(kChunk, [&](std::vector<kql::Row>&& rows) {
      kql::Table chunk;
      chunk.columns = st.columns;
      chunk.rows = std::move(rows);
      if (st.security)
        for (kql::Row& r : chunk.rows) widen_security(r, *st.security, st.columns.size());
      given = true;
      fn(std::move(chunk));
    });
  if (!given) fn(kql::Table{st.columns, {}});
  return true;
}

size_t EvidenceCatalog::rows(std::string_view name) const {
  if (auto it = built_.find(name); it != built_.end()) return it->second->rows.size();
  if (auto it = stored_.find(name); it != stored_.end()) return it->second->rows;
  return 0;
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
    if (!src.report_id) src.field = normalize::field_by_name(c.name);
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
    if (schema(n) && !built_.count(n) && !stored_.count(n)) b->wanted.insert(n);
  if (b->wanted.empty()) return;
  for (size_t t = 0; t < b->target.size(); ++t) {
    const char* name = normalize::table_info(static_cast<normalize::Table>(t)).kql_table;
    if (!name || !b->wanted.count(name)) continue;
    b->target[t] = name;
    b->sources[t] = sources_of(*schema(name));
  }
  b->security = b->wanted.count("SecurityEvent") > 0;
  const Schema& se = *schema("SecurityEvent");
  for (size_t c = 0; c < se.event_data_from; ++c) {
    b->security_base.insert(se.columns[c].name);
    if (kept(se.columns[c].name)) b->security_kept.push_back(c);
  }
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
    std::array<kql::RowFilter, normalize::kTableCount> keeps;  // this thread's
    std::unordered_set<std::string> processes;                 // one row per process run
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
      const normalize::NormalizedEvent& ev = *se.norm;
      const size_t t = static_cast<size_t>(ev.table);
      // A process run logged twice (Sysmon 1 and 4688) is one row; its
      // second record is still a SecurityEvent row when it is a 4688.
      auto repeated_run = [&] {
        const normalize::FieldValue& id = ev[normalize::Field::ProcessUniqueId];
        return ev.table == normalize::Table::Process && id.known() && !st->processes.insert(id.s).second;
      };
      if (const char* table = b.target[t]; table && !repeated_run()) {
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
        if (ev.table == normalize::Table::Script) as_powershell_command(ev, b.sources[t], row);
        if (!st->keeps[t] || st->keeps[t](row)) {
          row.sources = record_sources();
          out.rows.try_emplace(table, budget_.get()).first->second.add(std::move(row));
        }
      }
    }
    if (b.security && view.provider() == normalize::kSecurityProvider) {
      const bool want_xml = kept("EventData");
      std::map<std::string, std::string> data;
      std::string xml = "<EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">";
      view.for_each_data([&](std::string_view name, const evtx::RawValue& v) {
        std::string text;
        evtx::append_value_text(text, v);
        if (want_xml) {
          xml += "<Data Name=\"";
          evtx::append_xml_escaped(xml, name, true);
          xml += "\">";
          evtx::append_xml_escaped(xml, text, false);
          xml += "</Data>";
        }
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
      kql::Row full = {Value::datetime(se.header.time_created),
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
      kql::Row row;
      for (size_t k : b.security_kept) row.push_back(std::move(full[k]));
      std::string packed;  // the kept EventData fields (a field named as a Sentinel column is not one)
      for (const auto& [name, value] : data) {
        if (b.security_base.count(name) || !kept(name)) continue;
        out.fields.insert(name);
        pack(packed, name);
        pack(packed, value);
      }
      row.push_back(Value::string(std::move(packed)));
      row.sources = record_sources();
      out.rows.try_emplace("SecurityEvent", budget_.get()).first->second.add(std::move(row));
    }
  };
}

void EvidenceCatalog::finish() {
  if (!build_) return;
  std::unique_ptr<Build> b = std::move(build_);
  std::vector<HostRows>& per_host = b->per_host;
  for (const std::string& name : b->wanted) {
    auto st = std::make_unique<Stored>();
    const Schema& s = *schema(name);
    for (const kql::Column& c : s.columns)
      if (kept(c.name)) st->columns.push_back(c);
    if (name == "SecurityEvent") {
      // Each EventData field a column: those Sentinel documents, then the
      // others in name order.
      std::set<std::string> extra;
      for (const HostRows& h : per_host)
        for (const std::string& f : h.fields)
          if (std::none_of(s.columns.begin(), s.columns.end(), [&](const kql::Column& c) { return c.name == f; }))
            extra.insert(f);
      for (const std::string& f : extra) st->columns.push_back({f, Type::String});
      SecurityColumns sc;
      sc.base = b->security_kept.size();
      for (size_t c = sc.base; c < st->columns.size(); ++c) sc.by_name.emplace(st->columns[c].name, c);
      st->security = std::move(sc);
    }
    bool spilled = false;
    for (HostRows& h : per_host) {
      auto it = h.rows.find(name);
      if (it == h.rows.end()) continue;
      spilled |= it->second.spilled();
      st->rows += it->second.size();
      st->parts.push_back(std::move(it->second));
      h.rows.erase(it);
    }
    if (spilled) {  // read back chunk by chunk by each use (scan)
      stored_[name] = std::move(st);
      continue;
    }
    auto t = std::make_shared<kql::Table>();
    t->columns = st->columns;
    t->rows.reserve(st->rows);
    for (kql::RowSpill& part : st->parts)
      for (kql::Row& r : part.in_memory()) {
        if (st->security) widen_security(r, *st->security, t->columns.size());
        t->rows.push_back(std::move(r));
      }
    built_[name] = t;
  }
}

SpillOptions spill_options(pipeline::Evidence& evidence, size_t memory_bytes) {
  return {memory_bytes / 4, [&evidence] { return evidence.store.temp_dir().new_file(); }};
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

normalize::TableSet tables_read(const std::vector<std::string>& kql_tables) {
  normalize::TableSet set = normalize::kReplayTables;
  for (normalize::Table t :
       {normalize::Table::ImageLoad, normalize::Table::File, normalize::Table::Registry, normalize::Table::Device})
    if (std::find(kql_tables.begin(), kql_tables.end(), normalize::table_name(t)) != kql_tables.end())
      set |= normalize::table_bit(t);
  return set;
}

}  // namespace tables
