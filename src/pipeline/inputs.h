// Input discovery: paths are files or folders (searched recursively,
// symbolic links followed, each folder once); EVTX
// files are recognised by their header, XML event exports by their content,
// whatever the extension. Anything else is skipped with a reason.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pipeline {

struct Inputs {
  std::vector<std::filesystem::path> evtx;
  std::vector<std::filesystem::path> xml;
  struct Skipped {
    std::filesystem::path path;
    std::string reason;
  };
  std::vector<Skipped> skipped;
  // The named paths and every input file found: what an output may not overwrite.
  std::vector<std::string> all(const std::vector<std::string>& named) const;
};

// Files in a stable order (sorted by path within each folder walk).
Inputs discover_inputs(const std::vector<std::string>& paths);

}  // namespace pipeline
