#include "cli/evidence_run.h"
#include "cli/messages.h"

#include <cstdio>

#include "cli/exit_codes.h"
#include "cli/progress.h"
#include "cli/run_summary.h"

namespace cli {

std::optional<int> EvidenceRun::open(const OutputOptions& output, const ReadingOptions& reading) {
  inputs = pipeline::discover_inputs(paths, reading.follow_links);
  try {
    out = std::make_unique<output::OutputFile>(output.output, inputs.all(paths));
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt %s: %s\n", command, e.what());
    return kCannotWrite;
  }
  return std::nullopt;
}

void EvidenceRun::read(pipeline::ReadOptions options, bool quiet) {
  Progress progress(inputs, quiet);
  options.progress = progress.callback();
  evidence = pipeline::read_evidence(inputs, options);
  progress.done();
  report_warnings(*evidence);
  exit_code = input_exit_code(paths, *evidence);
}

std::optional<int> EvidenceRun::finish(const std::string& text) {
  try {
    if (!text.empty()) out->write(text);
    out->commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt %s: %s\n", command, e.what());
    return kCannotWrite;
  }
  return std::nullopt;
}

}  // namespace cli
