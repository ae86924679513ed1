#include "cli/problem_report.h"

namespace cli {

void report_problem(const std::string& file, const evtx::Problem& p, std::FILE* out) {
  if (p.chunk >= 0)
    std::fprintf(out, "evtxhunt: %s: chunk %lld at offset 0x%llx: %s: %s\n", file.c_str(),
                 static_cast<long long>(p.chunk), static_cast<unsigned long long>(p.offset),
                 evtx::problem_kind_name(p.kind), p.message.c_str());
  else
    std::fprintf(out, "evtxhunt: %s: file header at offset 0x%llx: %s: %s\n", file.c_str(),
                 static_cast<unsigned long long>(p.offset), evtx::problem_kind_name(p.kind), p.message.c_str());
}

}  // namespace cli
