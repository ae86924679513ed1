// Tokens of the rule expression language (a KQL subset). Every token keeps its
// byte offset in the expression text so errors can point at it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"

namespace rules {

enum class Tok : uint8_t {
  End,
  Ident,     // a name: field, stage, function or word operator (and, contains, in, ...)
  BangWord,  // '!' glued to a word: !contains, !has, !in, !between, !startswith, ... (text without '!')
  String,    // "..." '...' @"..." @'...' (text is the decoded value)
  Int,
  Real,
  DateTime,  // datetime(...)
  Timespan,  // 2s, 5m, 100ms, timespan(...), time(...)
  LParen,
  RParen,
  Comma,
  Dot,
  DotDot,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  EqEq,      // ==
  NotEq,     // !=
  EqTilde,   // =~
  NotTilde,  // !~
  Less,
  LessEq,
  Greater,
  GreaterEq,
  Tilde,  // '~' right after `in` / `!in` (in~)
};

struct Token {
  Tok kind = Tok::End;
  size_t offset = 0;  // byte offset of the token's first character
  size_t length = 0;
  std::string text;  // Ident / BangWord name, String value
  int64_t i = 0;     // Int value, DateTime / Timespan ticks
  double r = 0;      // Real value
};

// Thrown for lexical and syntax errors, unknown names, and type errors;
// what() is the message.
struct CompileError : std::runtime_error {
  CompileError(size_t at, std::string msg) : std::runtime_error(msg), offset(at), message(std::move(msg)) {}
  size_t offset;  // byte offset in the expression text
  std::string message;
};

// Splits the whole text; throws CompileError at the first bad character.
std::vector<Token> tokenize(std::string_view text);

const char* token_name(Tok t);

}  // namespace rules
