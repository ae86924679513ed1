// Rendered timeline rows of one host, in its time order, kept in memory up to
// a cap and beyond it in a file of the run's temporary folder; then the rows
// of all hosts are merged into one time order (ties: host order), so the
// timeline across hosts needs memory for one buffer per host, not the rows.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "store/temp_dir.h"

namespace output {

class RowSpool {
 public:
  // dir: where to spill (called at most once, on the first spill).
  RowSpool(std::function<store::TempDir&()> dir, size_t memory_cap);
  ~RowSpool();
  RowSpool(RowSpool&&) noexcept;
  RowSpool& operator=(RowSpool&&) noexcept;

  // Rows must come in time order.
  void add(normalize::Ticks time, std::string_view row);
  uint64_t rows() const { return rows_; }

 private:
  friend void merge_rows(std::vector<RowSpool>& spools, const std::function<void(std::string_view)>& write);
  void spill();

  std::function<store::TempDir&()> dir_;
  size_t cap_;
  std::string memory_;          // [time i64][size u32][row] ...
  std::filesystem::path file_;  // spilled rows, before memory_'s
  std::FILE* out_ = nullptr;
  uint64_t rows_ = 0;
};

// Writes every row of every spool in (time, spool index) order.
void merge_rows(std::vector<RowSpool>& spools, const std::function<void(std::string_view)>& write);

}  // namespace output
