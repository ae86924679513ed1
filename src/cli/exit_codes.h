// Exit codes of evtxhunt, documented in README.md.
#pragma once

namespace cli {

enum ExitCode : int {
  kOk = 0,           // every input was read (damage found in a file is reported, not an error)
  kInternal = 1,     // unexpected failure (a bug): message on stderr
  kUsage = 2,        // bad command line
  kCannotOpen = 3,   // at least one input could not be opened or read
  kNotEvtx = 4,      // at least one input is not an EVTX file (and none failed to open)
};

}  // namespace cli
