// Stderr report of reading inputs for normalize / scan: one line per skipped
// input and per problem inside a file, then a summary line of counts.
#pragma once

#include <string>
#include <vector>

#include "pipeline/evidence.h"

namespace cli {

void report_reading(const char* command, const pipeline::Evidence& c);

// kCannotOpen if a path named on the command line does not exist, else kOk.
int missing_paths_exit_code(const std::vector<std::string>& paths);

}  // namespace cli
