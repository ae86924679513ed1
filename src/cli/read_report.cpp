#include "cli/read_report.h"

#include <cstdio>
#include <filesystem>

#include "cli/exit_codes.h"

#include "cli/problem_report.h"

namespace cli {

void report_reading(const char* command, const pipeline::Evidence& c) {
  for (const std::string& w : c.warnings) std::fprintf(stderr, "evtxhunt: skipped %s\n", w.c_str());
  for (const pipeline::FileProblem& p : c.problems) report_problem(p.file, p.problem);
  const pipeline::ReadStats& s = c.stats;
  std::fprintf(stderr,
               "evtxhunt %s: %llu EVTX files, %llu XML files, %llu inputs skipped; %llu chunks (%llu skipped), "
               "%llu records (%llu damaged skipped); %llu events on %llu hosts\n",
               command, static_cast<unsigned long long>(s.evtx_files), static_cast<unsigned long long>(s.xml_files),
               static_cast<unsigned long long>(s.inputs_skipped), static_cast<unsigned long long>(s.chunks),
               static_cast<unsigned long long>(s.chunks_skipped), static_cast<unsigned long long>(s.records),
               static_cast<unsigned long long>(s.records_damaged), static_cast<unsigned long long>(s.events),
               static_cast<unsigned long long>(s.hosts));
  const store::StoreStats& st = c.store.stats();
  if (st.spills > 0)
    std::fprintf(stderr, "evtxhunt %s: memory budget reached: %llu MiB of events spilled in %llu runs\n", command,
                 static_cast<unsigned long long>(st.spilled_bytes >> 20), static_cast<unsigned long long>(st.spills));
}

int missing_paths_exit_code(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return kCannotOpen;
  }
  return kOk;
}

}  // namespace cli
