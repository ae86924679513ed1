// Exit codes of evtxhunt, documented in README.md.
#pragma once

#include <string>

namespace cli {

enum ExitCode : int {
  kOk = 0,           // every input was read (damage found in a file is reported, not an error)
  kInternal = 1,     // unexpected failure (a bug): message on stderr
  kUsage = 2,        // bad command line
  kCannotOpen = 3,   // at least one input could not be opened or read
  kNotEvtx = 4,      // at least one input is not an EVTX file (and none failed to open)
  kBadInput = 5,     // convert: an input is not an XML event export, or holds an event that cannot be written;
                     // merge: a shard is damaged or the shards are not of one scan
  kCannotWrite = 6,  // the output file, or a spill file under --temp-dir (a full disk), cannot be written
                     // (nothing is left behind)
  kBadRules = 7,     // a rule file or KQL query is invalid or an asked rule id is unknown (FILE:LINE:COL on stderr)
  kNoEvidence = 8,   // nothing readable among the inputs (every input skipped, each named with its reason)
};

// Each code as --help lists it: every command's help ends with these, and the
// top-level help lists them too (exit_codes_help); README's table says more.
struct ExitCodeInfo {
  ExitCode code;
  const char* meaning;
};
inline constexpr ExitCodeInfo kExitCodeInfo[] = {
    {kOk, "done (damage found inside a file is reported on stderr, not an error)"},
    {kInternal, "internal error"},
    {kUsage, "bad command line"},
    {kCannotOpen, "a named input does not exist or an input cannot be opened"},
    {kNotEvtx, "dump: an input is not an EVTX file"},
    {kBadInput,
     "convert: an input is not an XML event export, merge: a shard cannot be read or the shards are not of one scan"},
    {kCannotWrite, "the output or a spill file (--temp-dir) cannot be written"},
    {kBadRules,
     "no rule to run, a rule file is invalid (--strict), no rule matches --rule, a --placeholders or --tuning file "
     "cannot be used, or a KQL query cannot be read or run (query)"},
    {kNoEvidence, "nothing readable among the inputs"},
};

// "0 done (...); 1 internal error; ...; 8 nothing readable among the inputs".
std::string exit_codes_help();

}  // namespace cli
