// One stderr line per problem found in an input, naming file, chunk and offset.
#pragma once

#include <cstdio>
#include <string>

#include "evtx/problem.h"

namespace cli {

// "evtxhunt: FILE: chunk N at offset 0x..: KIND: MESSAGE" (no newline).
std::string problem_line(const std::string& file, const evtx::Problem& p);
void report_problem(const std::string& file, const evtx::Problem& p, std::FILE* out = stderr);

}  // namespace cli
