#include "cli/problem_report.h"
#include "cli/messages.h"

namespace cli {

std::string problem_line(const std::string& file, const evtx::Problem& p) {
  char where[96];
  if (p.chunk >= 0)
    std::snprintf(where, sizeof where, "chunk %lld at offset 0x%llx", static_cast<long long>(p.chunk),
                  static_cast<unsigned long long>(p.offset));
  else
    std::snprintf(where, sizeof where, "file header at offset 0x%llx", static_cast<unsigned long long>(p.offset));
  return "evtxhunt: " + file + ": " + where + ": " + evtx::problem_kind_name(p.kind) + ": " + p.message;
}

void report_problem(const std::string& file, const evtx::Problem& p, std::FILE* out) {
  message(out, "%s\n", problem_line(file, p));
}

}  // namespace cli
