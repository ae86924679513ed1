// libFuzzer harness: a hunt's KQL text through the lexer and parser
// (kql/parser.h), which must answer with a tree or a QueryError within the
// bounds on size and nesting, never crash or recurse past them; the tree is
// written out again (to_text), then run (kql/engine.h) over a small fixed
// table T with a low row cap: any answer or a QueryError, nothing else. The
// query's pushed-down filter on T (kql::pushed_filter) must not change the
// answer: T built without the rows it rejects gives the same rows; nor must
// streaming: T given a row at a time (Catalog::scan, as a table larger than
// memory is) gives the same rows, also with summarize and join partitioned
// as past their memory.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "kql/engine.h"
#include "kql/parser.h"

namespace {

class Fixed : public kql::Catalog {
 public:
  explicit Fixed(const kql::RowFilter& keep = nullptr, bool streams = false) : streams_(streams) {
    using kql::Value;
    auto t = std::make_shared<kql::Table>();
    t->columns = {{"Timestamp", kql::Type::DateTime},
                  {"DeviceName", kql::Type::String},
                  {"ProcessId", kql::Type::Long},
                  {"ProcessCommandLine", kql::Type::String},
                  {"AdditionalFields", kql::Type::Dynamic}};
    for (int i = 0; i < 4; ++i) {
      kql::Row r{Value::datetime(133'000'000'000'000'000 + i * 10'000'000LL), Value::string(i % 2 ? "ws1" : "dc1"),
                 Value::integer(100 + i), Value::string("cmd.exe /c whoami " + std::to_string(i)),
                 Value::dynamic(kql::Json::parse(R"({"a": [1, 2], "b": "x"})"))};
      if (!keep || keep(r)) t->rows.push_back(std::move(r));
    }
    table_ = t;
  }
  const std::vector<kql::Column>& columns() const { return table_->columns; }
  kql::TablePtr table(std::string_view name) override { return name == "T" ? table_ : nullptr; }
  bool scan(std::string_view name, const std::function<void(kql::Table&&)>& fn) override {
    if (!streams_ || name != "T") return false;
    fn(kql::Table{table_->columns, {}});
    for (const kql::Row& r : table_->rows) fn(kql::Table{table_->columns, {r}});
    return true;
  }

 private:
  kql::TablePtr table_;
  bool streams_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixed catalog;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    kql::Node query = kql::parse(text);
    kql::to_text(query);
    kql::RunOptions o;
    o.now = 133'000'000'100'000'000;
    o.max_rows = 10'000;
    std::string all = kql::to_text(kql::run(query, catalog, o).table);
    if (kql::RowFilter keep = kql::pushed_filter(query, "T", catalog.columns(), o)) {
      Fixed filtered(keep);
      if (kql::to_text(kql::run(query, filtered, o).table) != all) __builtin_trap();  // pushdown changed the answer
    }
    // Streamed, and past a memory of none (a summarize's groups and a join's
    // sides in partitions: held in memory here, as a fuzzed table is small).
    static Fixed streamed(nullptr, true);
    kql::RunOptions partitioned = o;
    partitioned.memory_bytes = 0;
    partitioned.new_spill_file = [] { return std::filesystem::temp_directory_path() / "fuzz_kql-partition"; };
    try {
      if (kql::to_text(kql::run(query, streamed, o).table) != all) __builtin_trap();  // streaming changed the answer
      if (kql::to_text(kql::run(query, streamed, partitioned).table) != all) __builtin_trap();  // partitions did
    } catch (const kql::QueryError&) {
      __builtin_trap();  // an answer one way, an error the other
    }
  } catch (const kql::QueryError&) {
  }
  return 0;
}
