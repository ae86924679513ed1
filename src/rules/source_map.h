// Maps positions inside a YAML scalar's value back to the file: the rule
// loader reports an error at character N of a `where` clause as FILE:LINE:COL
// even when the clause spans lines (plain or folded scalars), is quoted, or
// is a block scalar.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rules {

class SourceMap {
 public:
  explicit SourceMap(std::string_view text);

  // 1-based line and column of byte `pos`.
  std::pair<int, int> line_col(size_t pos) const;

  // The file position of value[offset], for the scalar whose YAML mark is
  // (mark_line, mark_column), 0-based as yaml-cpp gives them. Walks the raw
  // text alongside the value, skipping the quote or block indicator, folded
  // line breaks and indentation, and escapes; if the two ever disagree, falls
  // back to the scalar's own position.
  std::pair<int, int> locate(int mark_line, int mark_column, std::string_view value, size_t offset) const;

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

}  // namespace rules
