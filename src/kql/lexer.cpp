#include "kql/lexer.h"

#include <array>
#include <cctype>

namespace kql {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Operators whose names hold a hyphen.
constexpr std::array<std::string_view, 14> kHyphenated = {
    "project-away", "project-keep", "project-rename", "project-reorder", "project-smart", "mv-expand",  "mv-apply",
    "make-series",  "parse-where",  "parse-kv",       "top-nested",      "top-hitters",   "make-graph", "graph-match"};

// Units of a timespan literal (1h, 30min, 10ms).
constexpr std::array<std::string_view, 26> kUnits = {
    "d",      "day",         "days",         "h",           "hr",           "hrs",    "hour",    "hours",   "m",
    "min",    "minute",      "minutes",      "s",           "sec",          "second", "seconds", "ms",      "milli",
    "millis", "millisecond", "milliseconds", "microsecond", "microseconds", "tick",   "ticks",   "microsec"};

template <size_t N>
bool among(const std::array<std::string_view, N>& words, std::string_view w) {
  for (std::string_view x : words)
    if (x == w) return true;
  return false;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space();
      Token t;
      t.pos = pos_;
      t.offset = i_;
      if (i_ >= s_.size()) {
        t.kind = Token::Kind::End;
        t.end = i_;
        out.push_back(std::move(t));
        return out;
      }
      read(t);
      t.end = i_;
      out.push_back(std::move(t));
    }
  }

 private:
  char at(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void advance(size_t n = 1) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++pos_.line;
        pos_.column = 1;
      } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
        ++pos_.column;  // a column is a character, not a byte
      }
    }
  }

  void skip_space() {
    for (;;) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) advance();
      if (at(0) == '/' && at(1) == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') advance();
        continue;
      }
      return;
    }
  }

  void read(Token& t) {
    char c = at(0);
    if (c == '`' && at(1) == '`' && at(2) == '`') return multi_line(t);
    if (c == '@' && (at(1) == '"' || at(1) == '\'')) {
      advance();
      return verbatim(t);
    }
    if ((c == 'h' || c == 'H') && (at(1) == '"' || at(1) == '\'')) {
      advance();
      return quoted(t);
    }
    if ((c == 'h' || c == 'H') && at(1) == '@' && (at(2) == '"' || at(2) == '\'')) {
      advance(2);
      return verbatim(t);
    }
    if (c == '"' || c == '\'') return quoted(t);
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && std::isdigit(static_cast<unsigned char>(at(1))) && !prev_is_value_))
      return number(t);
    if (ident_start(c)) return ident(t);
    if (c == '!' && ident_start(at(1)) && at(1) != '$') {
      advance();
      ident(t);
      t.text.insert(0, 1, '!');
      return;
    }
    punct(t);
  }

  void ident(Token& t) {
    t.kind = Token::Kind::Ident;
    size_t start = i_;
    advance();
    while (ident_char(at(0))) advance();
    // project-away, mv-expand: one token.
    if (at(0) == '-' && std::isalpha(static_cast<unsigned char>(at(1)))) {
      size_t k = 1;
      while (ident_char(at(k))) ++k;
      std::string joined(s_.substr(start, i_ - start + k));
      if (among(kHyphenated, joined)) advance(k);
    }
    t.text.assign(s_.substr(start, i_ - start));
    if (at(0) == '~' && (t.text == "in" || t.text == "!in")) {  // in~, !in~
      advance();
      t.text += '~';
    }
    prev_is_value_ = true;
  }

  void number(Token& t) {
    size_t start = i_;
    t.kind = Token::Kind::Number;
    if (at(0) == '0' && (at(1) == 'x' || at(1) == 'X')) {
      advance(2);
      while (std::isxdigit(static_cast<unsigned char>(at(0)))) advance();
    } else {
      while (std::isdigit(static_cast<unsigned char>(at(0)))) advance();
      if (at(0) == '.' && std::isdigit(static_cast<unsigned char>(at(1)))) {
        advance();
        while (std::isdigit(static_cast<unsigned char>(at(0)))) advance();
      }
      if ((at(0) == 'e' || at(0) == 'E') &&
          (std::isdigit(static_cast<unsigned char>(at(1))) ||
           ((at(1) == '+' || at(1) == '-') && std::isdigit(static_cast<unsigned char>(at(2)))))) {
        advance(2);
        while (std::isdigit(static_cast<unsigned char>(at(0)))) advance();
      }
      size_t k = 0;
      while (std::isalpha(static_cast<unsigned char>(at(k)))) ++k;
      if (k && among(kUnits, s_.substr(i_, k)) && !ident_char(at(k))) {
        advance(k);
        t.kind = Token::Kind::Timespan;
      }
    }
    t.text.assign(s_.substr(start, i_ - start));
    prev_is_value_ = true;
  }

  void quoted(Token& t) {
    t.kind = Token::Kind::String;
    char q = at(0);
    Pos start = pos_;
    advance();
    for (;;) {
      if (i_ >= s_.size() || at(0) == '\n') throw QueryError(start, "a string that does not end");
      char c = at(0);
      if (c == q) {
        advance();
        break;
      }
      if (c == '\\') {
        char e = at(1);
        advance(2);
        switch (e) {
          case 'n': t.text += '\n'; break;
          case 't': t.text += '\t'; break;
          case 'r': t.text += '\r'; break;
          case '0': t.text += '\0'; break;
          default: t.text += e;  // \\ \" \' and any other character as itself
        }
        continue;
      }
      t.text += c;
      advance();
    }
    prev_is_value_ = true;
  }

  // @"...": no escapes; a doubled quote is one quote.
  void verbatim(Token& t) {
    t.kind = Token::Kind::String;
    char q = at(0);
    Pos start = pos_;
    advance();
    for (;;) {
      if (i_ >= s_.size() || at(0) == '\n') throw QueryError(start, "a string that does not end");
      if (at(0) == q) {
        if (at(1) != q) {
          advance();
          break;
        }
        advance();
      }
      t.text += at(0);
      advance();
    }
    prev_is_value_ = true;
  }

  void multi_line(Token& t) {
    t.kind = Token::Kind::String;
    Pos start = pos_;
    advance(3);
    size_t from = i_;
    size_t end = s_.find("```", i_);
    if (end == std::string_view::npos) throw QueryError(start, "a ``` string that does not end");
    t.text.assign(s_.substr(from, end - from));
    advance(end + 3 - i_);
    prev_is_value_ = true;
  }

  void punct(Token& t) {
    t.kind = Token::Kind::Punct;
    static constexpr std::array<std::string_view, 10> kTwo = {"==", "!=", "<=", ">=", "=~",
                                                              "!~", "..", "<>", "=>", "::"};
    for (std::string_view two : kTwo)
      if (s_.substr(i_, 2) == two) {
        t.text = std::string(two);
        advance(2);
        prev_is_value_ = false;
        return;
      }
    t.text = std::string(1, at(0));
    prev_is_value_ = t.text == ")" || t.text == "]";
    advance();
  }

  std::string_view s_;
  size_t i_ = 0;
  Pos pos_;
  bool prev_is_value_ = false;  // "x.5" is a member access, not a number
};

}  // namespace

QueryError::QueryError(Pos p, const std::string& m)
    : std::runtime_error("line " + std::to_string(p.line) + ", column " + std::to_string(p.column) + ": " + m),
      pos(p),
      message(m) {}

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

}  // namespace kql
