// A regular expression as every part of evtxhunt compiles it (Sigma rules,
// the rule language, KQL, search): RE2 with the caller's options, its DFA
// budget grown with its program. RE2's DFA states grow with the program: in
// the default budget (8 MB) the DFA of ".{1000,}" (8,005 instructions, in
// SigmaHQ) gives up and every match runs the NFA, ~4 ms a command line; a
// program past kLargeRegexProgram gets kLargeRegexMemory (".{1000,}" uses
// under 4 MB of it). The caller checks ok() and the program size
// (kMaxRegexProgram, text_match.h).
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>

namespace rules {

inline constexpr int kLargeRegexProgram = 2'000;
inline constexpr int64_t kLargeRegexMemory = 32 << 20;

std::unique_ptr<RE2> make_regex(const std::string& pattern, RE2::Options options);

}  // namespace rules
