// The KQL tables of a run's evidence (defender_schema.h), built from the
// event store host by host in each host's replayed order (the process
// table's Initiating* columns filled, duplicate records dropped), hosts in
// key order: the same rows for any thread count.
//   DeviceProcessEvents, DeviceNetworkEvents, DeviceLogonEvents: the
//     normalized events (Sysmon 1 / Security 4688; Sysmon 3 / Security
//     5156, 5158; Security 4624, 4625, 4634, 4647), one row per process run
//     (a run logged by Sysmon 1 and 4688 is one row).
//   DeviceImageLoadEvents, DeviceFileEvents, DeviceRegistryEvents,
//     DeviceEvents: the normalized events of those tables (mapper.cpp), and
//     PowerShell 4104 script blocks as DeviceEvents PowerShellCommand.
//   SecurityEvent: every record of the Security log, with Sentinel's columns
//     and each EventData field as a column of its own.
//   SecurityAlert: empty (Sentinel alerts are not in event logs).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kql/engine.h"
#include "kql/row_spill.h"
#include "kql/table.h"
#include "normalize/normalized_event.h"
#include "pipeline/evidence.h"
#include "pipeline/filters.h"
#include "replay/host_replay.h"
#include "tables/defender_schema.h"

namespace tables {

// Where each built column of a Device* table comes from: a normalized field
// of the same name, or the record's EventRecordID (ReportId); decided once
// per table, so a row is filled without a name lookup.
struct ColumnSource {
  std::string name;
  kql::Type type = kql::Type::Dynamic;
  std::optional<normalize::Field> field;
  bool report_id = false;
};

// Bytes of rows a catalog's tables may hold in memory while they are built:
// a table whose rows pass it is kept in files (new_file: in the run's
// temporary folder) and read back in chunks by each query that scans it.
struct SpillOptions {
  size_t memory_bytes = SIZE_MAX;
  std::function<std::filesystem::path()> new_file;  // null: never spill
};
// A run's: a quarter of its --memory (the event store holds the rest while
// the tables are built), in its temporary folder.
SpillOptions spill_options(pipeline::Evidence& evidence, size_t memory_bytes);

struct CatalogOptions {
  pipeline::EventFilter filter;  // time, hosts, event ids, channels
  int threads = 0;
  // Each row carries the record it was built from (kql::Row::sources), which
  // the engine keeps through every operator: refs that record_name() and
  // events() resolve.
  bool provenance = false;
  SpillOptions spill;
};

class EvidenceCatalog : public kql::Catalog {
 public:
  EvidenceCatalog(const pipeline::Evidence& evidence, CatalogOptions options);
  ~EvidenceCatalog() override;

  // Only these columns are built (the rest of a table's are left out): the
  // columns a query can see (kql::columns_used). Default: every column.
  void use_columns(const kql::ColumnUse& use);
  // Rows no query can keep are left out while the tables are built: those
  // every one of these queries' filters on a table rejects
  // (kql::pushed_filter). Default: every row.
  // A query's filters count only for the tables it names (mentioned_tables).
  struct FilteringQuery {
    const kql::Node* query;
    std::vector<std::string> tables;
  };
  void push_filters(std::vector<FilteringQuery> queries, const kql::RunOptions& options);
  // Builds these tables (those a query names) in one replay of the evidence.
  void prepare(const std::vector<std::string>& names);
  // The same, in a replay another pass runs (scan's): begin, then each
  // host's events through its host_sink (hosts in parallel, each host's
  // sink on one thread), then finish.
  void begin(const std::vector<std::string>& names);
  replay::EventSink host_sink(const pipeline::Host& host);
  void finish();
  kql::TablePtr table(std::string_view name) override;
  bool scan(std::string_view name, const std::function<void(kql::Table&&)>& fn) override;
  // Rows of a built table (0: not built), and whether they are in files.
  size_t rows(std::string_view name) const;
  bool on_disk(std::string_view name) const { return stored_.count(name) > 0; }
  std::string missing_reason(std::string_view name) const override;

  // The record a row's ref names: "file#EventRecordID".
  std::string record_name(uint64_t ref) const;
  // The host whose evidence holds it.
  const pipeline::Host& host_of(uint64_t ref) const;
  // The events behind refs as the replay gives them (decided columns, the
  // process table's Initiating*; a record no mapper took as its provenance),
  // by ref: one more replay of each host that holds one.
  std::map<uint64_t, std::shared_ptr<const normalize::NormalizedEvent>> events(const std::vector<uint64_t>& refs) const;

 private:
  // Where a ref's record lies: enough to name it and to find it again.
  struct RecordRef {
    uint64_t ordinal = 0, record_id = 0;
    uint32_t file_id = 0;
    uint8_t seq = 0;
  };
  static constexpr int kHostShift = 40;  // a ref: host index << 40 | index in refs_[host]

  const pipeline::Evidence& evidence_;
  CatalogOptions options_;
  bool kept(std::string_view column) const;
  // The columns of a Device* table that are built, and where each comes from.
  std::vector<ColumnSource> sources_of(const Schema& s) const;

  std::vector<const pipeline::Host*> hosts_;  // the kept hosts, in key order
  std::vector<std::vector<RecordRef>> refs_;  // per host of hosts_ (provenance on)
  std::unique_ptr<kql::SpillBudget> budget_;
  std::map<std::string, kql::TablePtr, std::less<>> built_;  // tables held in memory
  struct Stored;
  std::map<std::string, std::unique_ptr<Stored>, std::less<>> stored_;  // the others
  struct Build;
  std::unique_ptr<Build> build_;                               // between begin() and finish()
  std::optional<std::set<std::string, std::less<>>> columns_;  // nullopt: all
  std::vector<FilteringQuery> filter_queries_;                 // push_filters
  kql::RunOptions filter_options_;
  // This thread's filter of a Device* table built with these columns (null: every row).
  kql::RowFilter row_filter(const std::string& table, const std::vector<ColumnSource>& columns) const;
};

// The table names a query's text mentions that the catalog builds.
std::vector<std::string> mentioned_tables(std::string_view query_text);
// The normalized tables to map when reading for these KQL tables: replay's
// (processes, boots and the process table behind every Initiating column)
// and the Device* tables among them.
normalize::TableSet tables_read(const std::vector<std::string>& kql_tables);

}  // namespace tables
