// Stderr report of reading inputs for normalize / scan: one line per skipped
// input and per problem inside a file, then a summary line of counts.
#pragma once

#include "pipeline/collect.h"

namespace cli {

void report_reading(const char* command, const pipeline::Collected& c);

}  // namespace cli
