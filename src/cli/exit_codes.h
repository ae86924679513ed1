// Exit codes of evtxhunt, documented in README.md.
#pragma once

namespace cli {

enum ExitCode : int {
  kOk = 0,           // every input was read (damage found in a file is reported, not an error)
  kInternal = 1,     // unexpected failure (a bug): message on stderr
  kUsage = 2,        // bad command line
  kCannotOpen = 3,   // at least one input could not be opened or read
  kNotEvtx = 4,      // at least one input is not an EVTX file (and none failed to open)
  kBadInput = 5,     // convert: an input is not an XML event export, or holds an event that cannot be written
  kCannotWrite = 6,  // the output file cannot be written (nothing is left behind)
  kBadRules = 7,     // scan: a rule file is invalid or an asked rule id is unknown (FILE:LINE:COL on stderr)
};

}  // namespace cli
