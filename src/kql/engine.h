// Runs a KQL query (parser.h) over the tables of a catalog: statements (let
// scalars, tables and functions; materialize), tabular operators and scalar
// functions as Kusto defines them, in memory. What it cannot run is a
// QueryError at the construct's line and column, never a silent wrong
// answer. Supported: see README.md, "KQL hunts".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kql/syntax.h"
#include "kql/table.h"

namespace kql {

struct RunOptions {
  // now() and ago() count from here (ticks since 1601): the evidence's
  // latest event, or --now. 0: the wall clock.
  int64_t now = 0;
  // Most rows a join, mv-expand or mv-apply may make: past it the query stops
  // with an error saying so (a hostile or mistaken query cannot exhaust memory).
  size_t max_rows = 20'000'000;
  // A summarize whose groups pass memory_bytes (estimated) aggregates the
  // groups it has not seen yet by partitions in files (new_spill_file: in
  // the run's temporary folder), one at a time; null: all in memory.
  size_t memory_bytes = SIZE_MAX;
  std::function<std::filesystem::path()> new_spill_file;
};

struct RunResult {
  Table table;
  std::vector<std::string> warnings;  // e.g. Defender-only functions whose columns stay null
};

// Throws QueryError (with the position of the construct) on what it cannot run.
RunResult run(const Node& query, Catalog& catalog, const RunOptions& options = {});

// The columns of the catalog's tables the query can see: `all` when a
// construct shows whole rows (*, pack_all(), project-away, project-keep,
// project-reorder, getschema, a result whose columns no project, summarize,
// distinct or count shapes after its last join, lookup, union, mv-apply or
// invoke); else every name the query writes (and each without the digits a
// join adds: DeviceId1 is DeviceId). A catalog may leave out the others.
struct ColumnUse {
  bool all = false;
  std::vector<std::string> names;
};
ColumnUse columns_used(const Node& query);

// A test a catalog may apply to a table's rows while it builds the table
// (pushdown.cpp): a row it rejects cannot reach the query's result, because
// every use of the table is a pipeline that starts with `where`, and the row
// fails a conjunct of that where reading only the table's columns and
// constants. Null when some use reads the table unfiltered. Compiled for the
// given columns; one per thread (regex caches are not shared).
using RowFilter = std::function<bool(const Row&)>;
RowFilter pushed_filter(const Node& query, std::string_view table, const std::vector<Column>& columns,
                        const RunOptions& options);

}  // namespace kql
