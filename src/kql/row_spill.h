// Rows kept in bounded memory: a sequence of rows appended in order and read
// back in order, in chunks. While the rows all spills of a budget hold stay
// under its limit they stay in memory; past it, the spill that adds writes its
// rows to a file of its own (values and the records behind each row), and
// reading gives the file's rows, then those still in memory. A catalog's
// tables are held this way, so a table larger than --memory is read from
// disk by the queries that scan it (Catalog::scan).
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "kql/table.h"

namespace kql {

struct SpillBudget {
  size_t limit = SIZE_MAX;  // bytes of rows (estimated) all spills may keep in memory
  std::atomic<size_t> held{0};
  // A new spill file's path (the run's temporary folder); null: never spill.
  std::function<std::filesystem::path()> new_file;
  std::mutex file_lock;  // new_file is called under it
};

// What a row is taken to cost in memory (its values, text and records).
size_t row_bytes(const Row& r);

class RowSpill {
 public:
  explicit RowSpill(SpillBudget* budget = nullptr) : budget_(budget) {}
  ~RowSpill();
  RowSpill(RowSpill&& o) noexcept;
  RowSpill& operator=(RowSpill&&) = delete;
  RowSpill(const RowSpill&) = delete;

  // Appends a row; may write the rows in memory to this spill's file.
  // Throws store::SpillError when the file cannot be written.
  void add(Row row);
  size_t size() const { return count_; }
  bool spilled() const { return !file_.empty(); }
  // The rows in memory (all of them when nothing spilled), to move out.
  std::vector<Row>& in_memory() { return rows_; }
  // Every row in order, in chunks of at most `chunk` rows (copies; the spill
  // is unchanged). Throws store::SpillError when the file cannot be read.
  void read(size_t chunk, const std::function<void(std::vector<Row>&&)>& fn) const;

 private:
  void write_out();
  SpillBudget* budget_;
  std::vector<Row> rows_;
  size_t bytes_ = 0;  // of rows_
  size_t count_ = 0;  // rows added
  std::filesystem::path file_;
};

}  // namespace kql
