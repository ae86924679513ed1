// Input discovery: paths are files or folders (searched recursively, each
// folder once); EVTX files are recognised by their header, XML event exports
// by their content, whatever the extension. Anything else is skipped with a
// reason.
//
// Symbolic links: a path named on the command line is read wherever it
// points. A link found inside a folder is followed only when it leads to a
// place inside one of the named paths; one leading elsewhere (a planted link
// to /, /proc/self/root, another case's folder) is skipped and named with
// its target, so evidence never pulls in files from outside what the
// responder named. follow_links follows every link (each folder still once).
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
Inputs discover_inputs(const std::vector<std::string>& paths, bool follow_links = false);

}  // namespace pipeline
