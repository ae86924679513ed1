// The table format: fixed-width columns for a terminal, the last one cut to
// the terminal's width (values are whole in every other format), levels in
// colour when colour is on.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "rules/level.h"

namespace output {

struct TableStyle {
  size_t width = 200;  // terminal columns
  bool colour = false;
  bool rule_ids = false;  // rules named "title [id]", not by title alone
};

// The width of stdout's terminal, else $COLUMNS, else 200.
size_t terminal_width();

// A table's last column takes the width the Timestamp (its zone's width) and
// the other columns (`others`: their widths with their spaces) leave, at
// least 10: one rule for a table's header and its rows.
size_t last_column_width(const TableStyle& style, size_t others);

// Appends s as one cell: control characters shown (terminal_text.h), cut to `width` code
// points (the last one "…" when cut), padded to `width` and followed by a
// space, unless `last`.
void append_cell(std::string& out, std::string_view s, size_t width, bool last = false);

// Appends a level's name coloured for it; none: blanks.
void append_level(std::string& out, std::optional<rules::Level> level, size_t width, bool colour);

}  // namespace output
