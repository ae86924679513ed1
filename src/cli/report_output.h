// --report FILE.html for scan and timeline: the option, and writing the page
// (report/report.h) safely beside the command's own output.
#pragma once

#include <boost/program_options.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/rule_options.h"
#include "metrics/record_metrics.h"
#include "output/output_file.h"
#include "pipeline/evidence.h"
#include "replay/finding.h"

namespace cli {

struct ReportOptions {
  std::string path;  // "": no report

  void add_to(boost::program_options::options_description& opts);
  bool wanted() const { return !path.empty(); }
  // Opens the report file before the inputs are read (a path that cannot be
  // written fails at once): kCannotWrite, printed, on failure.
  // `inputs`: every input file and folder (the report never replaces one);
  // `output`: the command's own -o (the report may not be written over it).
  std::optional<int> open(const char* command, const std::vector<std::string>& inputs, const std::string& output);
  // Writes the page and commits the file; kCannotWrite, printed, on failure.
  // With a report: what measures the logs' integrity as they are read (set as
  // the read's observer); null without one.
  pipeline::RecordObserver* integrity_observer();
  std::optional<int> write(const char* command, const std::vector<std::string>& inputs,
                           const pipeline::Evidence& evidence, const std::vector<replay::Finding>& findings,
                           const RuleOptions& rules, bool quiet);

 private:
  std::unique_ptr<output::OutputFile> file_;
  std::unique_ptr<metrics::MetricsObserver> integrity_;
};

}  // namespace cli
