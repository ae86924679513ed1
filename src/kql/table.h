// A table as the KQL engine passes it between operators: named, typed
// columns and rows of values. Every operator makes a new table; tables named
// by a let or read from the evidence are shared, never changed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kql/value.h"

namespace kql {

struct Column {
  std::string name;
  Type type = Type::Dynamic;
};

// The records a row came from, as refs a catalog gave its table's rows
// (--provenance): sorted, at most kMaxSources, `more` set when others were
// left out. A catalog numbers a host's records in replay order, so the
// latest are kept: a chain's own records before the older ones an aggregate
// merged in (the boots a LastBootTime was the latest of), and that latest. Every operator keeps them: a row's copies
// keep its refs; joins, summarize and distinct merge the refs of the rows
// they combine. Rows of datatable, print and empty catalogs have none.
constexpr size_t kMaxSources = 64;
struct Provenance {
  std::vector<uint64_t> refs;
  bool more = false;
};
using Sources = std::shared_ptr<const Provenance>;
// The union of two rows' records, bounded as above (null when both are).
Sources merge_sources(const Sources& a, const Sources& b);

// A row: its values by column, and the records behind it.
struct Row : std::vector<Value> {
  using std::vector<Value>::vector;
  Sources sources;
};

struct Table {
  std::vector<Column> columns;
  std::vector<Row> rows;

  std::optional<size_t> find(std::string_view name) const {
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == name) return i;
    return std::nullopt;
  }
};
using TablePtr = std::shared_ptr<const Table>;

// The table as text, to compare two results (tests, fuzz_kql): "name:type "
// per column, then a line per row of its cells, each followed by " | "
// (null: "null").
std::string to_text(const Table& t);

// Where the engine finds the tables a query names (the evidence's tables).
class Catalog {
 public:
  virtual ~Catalog() = default;
  // The table of this name, or nullptr when there is none by that name.
  virtual TablePtr table(std::string_view name) = 0;
  // A table larger than memory, given to `fn` in chunks of its rows in the
  // table's order (each chunk with the table's columns; at least one chunk,
  // perhaps empty), so that a pipeline's leading where's keep only what
  // they match. False when the table is held whole: then table() gives it.
  virtual bool scan(std::string_view /*name*/, const std::function<void(Table&&)>& /*fn*/) { return false; }
  // Why a name is not a table here (e.g. a Defender table EVTX cannot fill),
  // or "" when the catalog does not know the name at all.
  virtual std::string missing_reason(std::string_view) const { return ""; }
};

}  // namespace kql
