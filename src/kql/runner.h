// Inside the KQL engine (engine.h): the names a query binds, the runner that
// evaluates tabular expressions, and the compiled scalar expressions the
// operators evaluate per row. Not part of the engine's interface.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kql/engine.h"
#include "kql/row_spill.h"

namespace re2 {
class RE2;
}

namespace kql {

[[noreturn]] inline void fail(const Node& n, const std::string& what) { throw QueryError(n.pos, what); }

// A dynamic scalar behaves as its scalar in operators and functions (Kusto
// converts implicitly); arrays and bags stay dynamic.
inline Value scalarize(Value v) {
  if (v.type == Type::Dynamic && v.d && !v.d->is_array() && !v.d->is_object()) return from_json(*v.d);
  return v;
}
// A value as the text string operators and functions read.
inline std::string text_of(const Value& v) { return v.type == Type::String ? v.s : to_text(v); }

// A regular expression of the query, on RE2 within the rules' program bound;
// throws QueryError at `at` when it is not one RE2 runs.
std::shared_ptr<re2::RE2> compile_regex(const Node& at, const std::string& pattern);

struct Env;
using EnvPtr = std::shared_ptr<Env>;

// What a name stands for in a scope.
struct Binding {
  enum class Kind { Scalar, Slot, Table, LazyTable, Function } kind = Kind::Scalar;
  Value value;                  // Scalar
  std::shared_ptr<Value> slot;  // Slot: a scalar parameter of a function, set for each call
  const Node* node = nullptr;   // LazyTable: its tabular expression; Function: its Lambda
  EnvPtr env;                   // where node is evaluated
  mutable TablePtr table;       // Table; LazyTable once evaluated (a let is computed once)
};

struct Env {
  EnvPtr parent;
  std::map<std::string, Binding, std::less<>> names;
  const Binding* find(std::string_view name) const {
    for (const Env* e = this; e; e = e->parent.get())
      if (auto it = e->names.find(name); it != e->names.end()) return &it->second;
    return nullptr;
  }
};

// A scalar expression compiled against an input table's columns.
using Scalar = std::function<Value(const Row&)>;

class Runner;
struct RightSide;

struct CompileScope {
  const std::vector<Column>* columns = nullptr;  // the row's columns (none: a constant expression)
  Runner* runner = nullptr;
  EnvPtr env;
  std::optional<size_t> column(std::string_view name) const {
    if (columns)
      for (size_t i = 0; i < columns->size(); ++i)
        if ((*columns)[i].name == name) return i;
    return std::nullopt;
  }
};

Scalar compile_scalar(const Node& n, const CompileScope& scope);
// The name Kusto gives a column computed by `n` without a name: the column's
// own name for a column reference (and for bin/floor of one), else "" (the
// caller numbers it Column1, Column2, ...).
std::string default_name(const Node& n);
// The type of the first non-null value in `values`' column i, else `fallback`.
Type infer_type(const std::vector<Row>& rows, size_t i, Type fallback);

// A scalar function of the library (functions.cpp): arguments evaluated.
using Function = std::function<Value(std::vector<Value>& args)>;
// The function by name with its argument count checked; throws QueryError
// at `call` when there is no such function or the count is wrong. Regular
// expressions given as literals are compiled here, once.
Function scalar_function(const Node& call, const CompileScope& scope);

class Runner {
 public:
  Runner(Catalog& catalog, const RunOptions& options) : catalog_(catalog), options_(options) {}

  TablePtr tabular(const Node& n, const EnvPtr& env);
  bool is_tabular(const Node& n, const EnvPtr& env) const;
  Value constant(const Node& n, const EnvPtr& env);  // a scalar without a row
  Table run_query(const Node& query, const EnvPtr& env, Value* scalar_result = nullptr);

  int64_t now() const;
  size_t max_rows() const { return options_.max_rows; }
  const RunOptions& options() const { return options_; }
  void warn(const std::string& w);
  std::vector<std::string> take_warnings() { return std::move(warnings_); }

 private:
  Table apply(Table in, const Node& op, const EnvPtr& env);
  template <class Rows>
  Table where(const Table& in, Rows&& rows, const Node& op, const EnvPtr& env);
  TablePtr named_table(const Node& name, const EnvPtr& env);
  std::optional<Table> scan_prefix(const Node& pipeline, const EnvPtr& env, size_t& next);
  // A join's or lookup's other table: streamed from a table in files when
  // it can be, and partitioned past a quarter of --memory.
  RightSide right_side(const Node& join, const std::vector<Column>& left_columns, const EnvPtr& env);
  // Rows of a pipeline over a table in files whose operators all keep or
  // drop whole rows and columns, chunk by chunk; false when it is not one.
  bool stream(const Node& n, const EnvPtr& env, const std::function<void(Table&&)>& sink);
  TablePtr call_function(const Node& call, const Binding& fn, const EnvPtr& env, const TablePtr& piped);

  Catalog& catalog_;
  RunOptions options_;
  std::vector<std::string> warnings_;
  std::map<std::string, TablePtr, std::less<>> catalog_cache_;
};

// Tabular operators (operators.cpp, summarize.cpp, join.cpp): each takes its
// input and the operator's node.
Table summarize(Runner& runner, const Table& in, const Node& op, const EnvPtr& env);
// summarize given its input in parts (a scanned table's chunks): the same
// rows as summarize over the parts' rows together.
class Summarizer {
 public:
  Summarizer(Runner& runner, std::vector<Column> columns, const Node& op, const EnvPtr& env);
  ~Summarizer();
  void add(const std::vector<Row>& rows);
  Table finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
Table join(Runner& runner, const Table& left, const TablePtr& right, const Node& op, bool lookup);
// A join whose right side passes memory (streamed from a table in files):
// both sides' rows go to partitions by key in files, each numbered; each
// pair of partitions is joined in turn (join()), and the rows are put back
// in the order the whole join gives them.
class PartitionedJoin {
 public:
  PartitionedJoin(Runner& runner, const Node& op, bool lookup, std::vector<Column> left_columns,
                  std::vector<Column> right_columns);
  ~PartitionedJoin();
  void add_right(const std::vector<Row>& rows);
  void add_left(const std::vector<Row>& rows);
  Table finish();

 private:
  static void add(std::vector<RowSpill>& parts, const std::vector<size_t>& keys, uint64_t& number,
                  const std::vector<Row>& rows);
  Runner& runner_;
  const Node& op_;
  bool lookup_;
  std::vector<Column> left_columns_, right_columns_;
  std::vector<size_t> lk_, rk_;
  SpillBudget budget_;
  std::vector<RowSpill> left_, right_;
  uint64_t left_rows_ = 0, right_rows_ = 0;
};

// A join's right side: in memory, or (past memory) in a partitioned join.
struct RightSide {
  TablePtr table;
  std::unique_ptr<PartitionedJoin> partitioned;
};

// join or lookup given its left side in parts (a scanned table's chunks):
// the right side hashed once, each part probed in order; the same rows as
// join over the parts' rows together.
class Joiner {
 public:
  // With the left's rows known in advance (the whole join), the hash is
  // built on the smaller side's keys.
  Joiner(Runner& runner, std::vector<Column> left_columns, TablePtr right, const Node& op, bool lookup,
         const std::vector<Row>* left_rows = nullptr);
  ~Joiner();
  void add(const std::vector<Row>& left_rows);
  Table finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
Table union_of(const std::vector<TablePtr>& tables, const std::vector<std::string>& names, const Node& op);

}  // namespace kql
