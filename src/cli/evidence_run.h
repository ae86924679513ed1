// The steps every command that reads evidence shares: open the output (-o)
// for the inputs, read them with a progress bar, report what was skipped or
// damaged; and write the result. Each prints its own error and gives the exit
// code to return.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/command_options.h"
#include "output/output_file.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"

namespace cli {

struct EvidenceRun {
  EvidenceRun(const char* cmd, std::vector<std::string> input_paths) : command(cmd), paths(std::move(input_paths)) {}

  const char* command;  // "scan", for messages
  std::vector<std::string> paths;
  pipeline::Inputs inputs;
  std::unique_ptr<output::OutputFile> out;
  std::unique_ptr<pipeline::Evidence> evidence;
  int exit_code = 0;  // from the inputs (input_exit_code), once read

  // Finds the inputs and opens the output; kCannotWrite (printed) on failure.
  std::optional<int> open(const OutputOptions& output, const ReadingOptions& reading);
  // Reads the inputs (progress on a terminal unless quiet), reports warnings.
  void read(pipeline::ReadOptions options, bool quiet);
  // Writes `text` (when given) and commits the output; kCannotWrite on failure.
  std::optional<int> finish(const std::string& text = {});
};

}  // namespace cli
