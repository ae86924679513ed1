// The one error of a rule file, whatever its language (the project's rules,
// Sigma): where (file, line, column) and why. A loader collects every error
// of a file it can find, not only the first.
#pragma once

#include <string>

namespace rules {

struct RuleError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the whole file
  int column = 0;  // 1-based; 0 when only the line is known
  std::string message;
  std::string str() const;  // "FILE:LINE:COLUMN: message", "FILE:LINE: message", "FILE: message"
};

}  // namespace rules
