// One stderr line per problem found in an input, naming file, chunk and offset.
#pragma once

#include <cstdio>
#include <string>

#include "evtx/problem.h"

namespace cli {

void report_problem(const std::string& file, const evtx::Problem& p, std::FILE* out = stderr);

}  // namespace cli
