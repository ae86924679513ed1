// The pivot list in each format: jsonl (one object per pivot), csv
// (Kind,Value,Findings,Rules,Hosts,FirstTime,LastTime) and table.
#pragma once

#include <string>
#include <vector>

#include "pivot/pivots.h"
#include "timeline/format.h"
#include "timeline/table.h"

namespace pivot {

// The header (csv, table; "" for jsonl) and each row, with their line breaks.
std::string pivots_text(const std::vector<Pivot>& pivots, timeline::Format format, const timeline::TableStyle& style);

}  // namespace pivot
