// KQL's tokens: identifiers (with the hyphenated operator names and the
// negated string operators as one token: project-away, !has, in~), string
// literals in all their forms ("..." and '...' with escapes, @"..." verbatim,
// h"..." hidden, ```...``` multi-line), numbers, timespans (1h, 30m, 2d,
// 10ms) and punctuation. Comments (// to the end of the line) are skipped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kql/syntax.h"

namespace kql {

struct Token {
  enum class Kind : uint8_t { Ident, String, Number, Timespan, Punct, End } kind = Kind::End;
  std::string text;  // an identifier, a string's value (unescaped), a number or timespan as written, the punctuation
  Pos pos;
  size_t offset = 0;  // byte offset of its first character in the query
  size_t end = 0;     // one past its last character
};

// The tokens of `text`, ending with an End token. Throws QueryError on an
// unterminated string.
std::vector<Token> tokenize(std::string_view text);

}  // namespace kql
