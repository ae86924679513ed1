// The logon summary in each format: jsonl (one object per row), csv
// (Count,Host,EventID,Event,Result,Account,LogonType,SourceIP,
// SourceWorkstation,AuthPackage,Target,FailureReason,FirstTime,LastTime,
// FirstFile,FirstRecordID) and table.
#pragma once

#include <string>
#include <vector>

#include "logons/logon_summary.h"
#include "output/format.h"
#include "output/table.h"

namespace logons {

// The header (csv, table; "" for jsonl) and each row, with their line breaks.
std::string logons_text(const std::vector<LogonRow>& rows, output::Format format, const output::TableStyle& style);

}  // namespace logons
