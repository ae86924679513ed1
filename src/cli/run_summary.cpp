#include "cli/run_summary.h"
#include "cli/messages.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "cli/exit_codes.h"
#include "cli/problem_report.h"
#include "rules/rule.h"

namespace cli {

std::vector<std::string> warning_lines(const pipeline::Evidence& ev) {
  std::vector<std::string> lines;
  for (const pipeline::SkippedInput& s : ev.skipped) lines.push_back("evtxhunt: skipped " + s.path + ": " + s.reason);
  for (const pipeline::FileProblem& p : ev.problems) lines.push_back(problem_line(p.file, p.problem));
  for (const std::string& w : ev.warnings) lines.push_back("evtxhunt: warning: " + w);
  return lines;
}

void report_warnings(const pipeline::Evidence& ev) {
  for (const std::string& l : warning_lines(ev)) message(stderr, "%s\n", l.c_str());
}

RunCounts run_counts(const pipeline::Evidence& ev) {
  RunCounts c;
  c.stats = ev.stats;
  for (const pipeline::FileInfo& f : ev.files) c.damaged_files += f.problems > 0 || f.damaged_records > 0;
  c.spills = ev.store.stats().spills;
  c.spilled_bytes = ev.store.stats().spilled_bytes;
  return c;
}

void report_summary(const pipeline::Evidence& ev, const Summary& sum) { report_summary(run_counts(ev), sum); }

void report_summary(const RunCounts& c, const Summary& sum) {
  const pipeline::ReadStats& s = c.stats;
  std::fprintf(stderr,
               "evtxhunt %s: %llu EVTX files, %llu XML files, %llu inputs skipped, %zu files with damage; "
               "%llu chunks (%llu skipped), %llu records (%llu damaged skipped); %llu events on %llu hosts\n",
               sum.command, static_cast<unsigned long long>(s.evtx_files), static_cast<unsigned long long>(s.xml_files),
               static_cast<unsigned long long>(s.inputs_skipped), c.damaged_files,
               static_cast<unsigned long long>(s.chunks), static_cast<unsigned long long>(s.chunks_skipped),
               static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.records_damaged),
               static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.hosts));
  if (c.spills > 0)
    message(stderr, "evtxhunt %s: memory budget reached: %llu MiB of events spilled in %llu runs\n", sum.command,
            static_cast<unsigned long long>(c.spilled_bytes >> 20), static_cast<unsigned long long>(c.spills));
  for (const std::string& l : sum.lines) message(stderr, "evtxhunt %s: %s\n", sum.command, l.c_str());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - sum.start).count();
  message(stderr, "evtxhunt %s: done in %.2f s\n", sum.command, secs);
}

std::string findings_line(const replay::FindingList& findings, bool rule_ids) {
  std::string s = std::to_string(findings.size()) + " findings";
  if (findings.empty()) return s;
  std::map<rules::Level, size_t> by_level;
  std::map<std::string, size_t> by_rule;  // by title (a person reads it), else id
  findings.for_each([&](const replay::Finding& f) {
    ++by_level[f.level];
    ++by_rule[f.title.empty() ? f.rule_id : rule_ids ? f.title + " [" + f.rule_id + "]" : f.title];
  });
  s += ":";
  bool first = true;
  for (auto it = by_level.rbegin(); it != by_level.rend(); ++it) {
    s += (first ? " " : ", ") + std::to_string(it->second) + " " + rules::level_name(it->first);
    first = false;
  }
  // The rules with most findings first (ties by title); a long tail is counted.
  std::vector<std::pair<std::string, size_t>> ranked(by_rule.begin(), by_rule.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  constexpr size_t kShown = 10;
  s += "; by rule:";
  for (size_t i = 0; i < ranked.size() && i < kShown; ++i)
    s += (i ? ", " : " ") + ranked[i].first + " (" + std::to_string(ranked[i].second) + ")";
  if (ranked.size() > kShown) s += " and " + std::to_string(ranked.size() - kShown) + " more rules";
  return s;
}

int missing_paths_exit_code(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return kCannotOpen;
  }
  return kOk;
}

int input_exit_code(const std::vector<std::string>& paths, const pipeline::Evidence& ev) {
  int code = missing_paths_exit_code(paths);
  if (code != kOk) return code;
  if (ev.stats.evtx_files + ev.stats.xml_files == 0) {
    std::fprintf(stderr,
                 "evtxhunt: no readable evidence in the inputs (no EVTX file or XML event export could be read)\n");
    return kNoEvidence;
  }
  return kOk;
}

}  // namespace cli
