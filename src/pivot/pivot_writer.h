// The pivot list in each format: jsonl (one object per pivot), csv
// (Kind,Value,Findings,Rules,Hosts,FirstTime,LastTime) and table.
#pragma once

#include <string>
#include <vector>

#include "output/format.h"
#include "output/table.h"
#include "pivot/pivots.h"

namespace pivot {

// The header (csv, table; "" for jsonl) and each row, with their line breaks.
std::string pivots_text(const std::vector<Pivot>& pivots, output::Format format, const output::TableStyle& style);

}  // namespace pivot
