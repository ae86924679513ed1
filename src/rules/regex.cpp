#include "rules/regex.h"

namespace rules {

std::unique_ptr<RE2> make_regex(const std::string& pattern, RE2::Options options) {
  auto re = std::make_unique<RE2>(pattern, options);
  if (re->ok() && re->ProgramSize() > kLargeRegexProgram && options.max_mem() < kLargeRegexMemory) {
    options.set_max_mem(kLargeRegexMemory);
    re = std::make_unique<RE2>(pattern, options);
  }
  return re;
}

}  // namespace rules
