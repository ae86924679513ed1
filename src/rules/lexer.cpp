// The rule expression lexer: one pass over a `where` clause into tokens, spaces and `//`
// comments skipped. Strings take KQL's escapes (\\ \" \' \n \r \t \0 \uXXXX), or none as @"...";
// a number with a unit (2s, 100ms), datetime(...), timespan(...) and time(...) become ticks here
// (time_format.h). A bad character, escape or unit, or an integer or timespan out of range, is a
// CompileError at its byte offset. rules/parser.cpp reads the tokens.
#include "rules/lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "rules/time_format.h"

namespace rules {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space();
      Token t;
      t.offset = p_;
      if (p_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      lex_one(t);
      t.length = p_ - t.offset;
      out.push_back(std::move(t));
    }
  }

 private:
  [[noreturn]] void fail(size_t at, std::string msg) { throw CompileError{at, std::move(msg)}; }

  char peek(size_t k = 0) const { return p_ + k < s_.size() ? s_[p_ + k] : '\0'; }

  void skip_space() {
    for (;;) {
      while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
      if (peek() == '/' && peek(1) == '/') {  // KQL comment to the end of the line
        while (p_ < s_.size() && s_[p_] != '\n') ++p_;
        continue;
      }
      return;
    }
  }

  void lex_one(Token& t) {
    char c = peek();
    if (c == '@' && (peek(1) == '"' || peek(1) == '\'')) {
      ++p_;
      lex_verbatim(t);
      return;
    }
    if (c == '"' || c == '\'') {
      lex_string(t);
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
      lex_number(t);
      return;
    }
    if (ident_start(c)) {
      lex_word(t);
      return;
    }
    ++p_;
    switch (c) {
      case '(': t.kind = Tok::LParen; return;
      case ')': t.kind = Tok::RParen; return;
      case ',': t.kind = Tok::Comma; return;
      case '+': t.kind = Tok::Plus; return;
      case '-': t.kind = Tok::Minus; return;
      case '*': t.kind = Tok::Star; return;
      case '/': t.kind = Tok::Slash; return;
      case '%': t.kind = Tok::Percent; return;
      case '~': t.kind = Tok::Tilde; return;
      case '.':
        if (peek() == '.') {
          ++p_;
          t.kind = Tok::DotDot;
        } else {
          t.kind = Tok::Dot;
        }
        return;
      case '=':
        if (peek() == '=') {
          ++p_;
          t.kind = Tok::EqEq;
          return;
        }
        if (peek() == '~') {
          ++p_;
          t.kind = Tok::EqTilde;
          return;
        }
        fail(t.offset, "'=' is not an operator here: use == to compare (or =~ for case-insensitive)");
      case '!':
        if (peek() == '=') {
          ++p_;
          t.kind = Tok::NotEq;
          return;
        }
        if (peek() == '~') {
          ++p_;
          t.kind = Tok::NotTilde;
          return;
        }
        if (ident_start(peek())) {
          size_t b = p_;
          while (ident_char(peek())) ++p_;
          t.kind = Tok::BangWord;
          t.text = std::string(s_.substr(b, p_ - b));
          return;
        }
        fail(t.offset, "'!' must be followed by = or ~ or an operator name (!contains, !in, ...)");
      case '<':
        if (peek() == '=') {
          ++p_;
          t.kind = Tok::LessEq;
        } else {
          t.kind = Tok::Less;
        }
        return;
      case '>':
        if (peek() == '=') {
          ++p_;
          t.kind = Tok::GreaterEq;
        } else {
          t.kind = Tok::Greater;
        }
        return;
      default: break;
    }
    fail(t.offset, std::string("unexpected character '") + c + "'");
  }

  void lex_string(Token& t) {
    char q = s_[p_++];
    std::string v;
    for (;;) {
      if (p_ >= s_.size() || s_[p_] == '\n') fail(t.offset, "unterminated string literal");
      char c = s_[p_++];
      if (c == q) break;
      if (c != '\\') {
        v += c;
        continue;
      }
      if (p_ >= s_.size()) fail(t.offset, "unterminated string literal");
      size_t esc = p_ - 1;
      char e = s_[p_++];
      switch (e) {
        case '\\': v += '\\'; break;
        case '"': v += '"'; break;
        case '\'': v += '\''; break;
        case 'n': v += '\n'; break;
        case 'r': v += '\r'; break;
        case 't': v += '\t'; break;
        case '0': v += '\0'; break;
        case 'u': {
          uint32_t cp = 0;
          for (int k = 0; k < 4; ++k) {
            char h = peek();
            if (!std::isxdigit(static_cast<unsigned char>(h))) fail(esc, "\\u needs four hex digits");
            cp = cp * 16 + static_cast<uint32_t>(
                               std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
            ++p_;
          }
          append_utf8(cp, v);
          break;
        }
        default:
          fail(esc, std::string("unknown escape sequence '\\") + e + "' (use @\"...\" for text with backslashes)");
      }
    }
    t.kind = Tok::String;
    t.text = std::move(v);
  }

  void lex_verbatim(Token& t) {
    char q = s_[p_++];
    std::string v;
    for (;;) {
      if (p_ >= s_.size() || s_[p_] == '\n') fail(t.offset, "unterminated string literal");
      char c = s_[p_++];
      if (c == q) {
        if (peek() == q) {  // doubled quote stands for one
          v += q;
          ++p_;
          continue;
        }
        break;
      }
      v += c;
    }
    t.kind = Tok::String;
    t.text = std::move(v);
  }

  void lex_number(Token& t) {
    size_t b = p_;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X') && std::isxdigit(static_cast<unsigned char>(peek(2)))) {
      p_ += 2;
      while (std::isxdigit(static_cast<unsigned char>(peek()))) ++p_;
      std::string h(s_.substr(b + 2, p_ - b - 2));
      errno = 0;
      unsigned long long v = std::strtoull(h.c_str(), nullptr, 16);
      if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) fail(b, "integer literal out of range");
      if (ident_char(peek())) fail(b, "invalid number");
      t.kind = Tok::Int;
      t.i = static_cast<int64_t>(v);
      return;
    }
    bool real = false;
    while (std::isdigit(static_cast<unsigned char>(peek()))) ++p_;
    // A '.' is a decimal point only when a digit follows (so 0..2 is 0, .., 2).
    if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
      real = true;
      ++p_;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++p_;
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (std::isdigit(static_cast<unsigned char>(peek(1))) ||
         ((peek(1) == '+' || peek(1) == '-') && std::isdigit(static_cast<unsigned char>(peek(2)))))) {
      real = true;
      p_ += 2;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++p_;
    }
    std::string_view num = s_.substr(b, p_ - b);
    if (ident_start(peek())) {  // timespan: 2s, 5m, 1.5h, 100ms, 3tick
      size_t u = p_;
      while (ident_char(peek())) ++p_;
      std::string_view unit = s_.substr(u, p_ - u);
      if (timespan_unit(unit) == 0)
        fail(u, "unknown timespan unit '" + std::string(unit) + "' (use d, h, m, s, ms, microsecond or tick)");
      if (num.find_first_of("eE") != std::string_view::npos) fail(b, "a timespan cannot use an exponent");
      auto ticks = parse_timespan(s_.substr(b, p_ - b));
      if (!ticks) fail(b, "timespan literal out of range");
      t.kind = Tok::Timespan;
      t.i = *ticks;
      return;
    }
    std::string n(num);
    if (real) {
      t.kind = Tok::Real;
      t.r = std::strtod(n.c_str(), nullptr);
      return;
    }
    errno = 0;
    long long v = std::strtoll(n.c_str(), nullptr, 10);
    if (errno == ERANGE) fail(b, "integer literal out of range");
    t.kind = Tok::Int;
    t.i = v;
  }

  void lex_word(Token& t) {
    size_t b = p_;
    while (ident_char(peek())) ++p_;
    std::string word(s_.substr(b, p_ - b));
    if (word == "datetime" || word == "timespan" || word == "time") {
      size_t save = p_;
      skip_space();
      if (peek() == '(') {
        size_t open = p_++;
        size_t close = s_.find(')', p_);
        if (close == std::string_view::npos) fail(open, "missing ')' after " + word + "(");
        std::string_view inner = s_.substr(p_, close - p_);
        p_ = close + 1;
        if (word == "datetime") {
          auto ticks = parse_datetime(inner);
          if (!ticks)
            fail(open + 1, "invalid datetime '" + std::string(inner) +
                               "' (expected e.g. 2019-04-30T20:35:11.856Z or 2019-04-30 20:35:11)");
          t.kind = Tok::DateTime;
          t.i = *ticks;
        } else {
          auto ticks = parse_timespan(inner);
          if (!ticks)
            fail(open + 1, "invalid timespan '" + std::string(inner) + "' (expected e.g. 2s, 5m or 00:05:00)");
          t.kind = Tok::Timespan;
          t.i = *ticks;
        }
        return;
      }
      p_ = save;
    }
    t.kind = Tok::Ident;
    t.text = std::move(word);
  }

  std::string_view s_;
  size_t p_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

const char* token_name(Tok t) {
  switch (t) {
    case Tok::End: return "end of expression";
    case Tok::Ident: return "name";
    case Tok::BangWord: return "operator";
    case Tok::String: return "string";
    case Tok::Int: return "integer";
    case Tok::Real: return "real";
    case Tok::DateTime: return "datetime";
    case Tok::Timespan: return "timespan";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::Comma: return "','";
    case Tok::Dot: return "'.'";
    case Tok::DotDot: return "'..'";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Star: return "'*'";
    case Tok::Slash: return "'/'";
    case Tok::Percent: return "'%'";
    case Tok::EqEq: return "'=='";
    case Tok::NotEq: return "'!='";
    case Tok::EqTilde: return "'=~'";
    case Tok::NotTilde: return "'!~'";
    case Tok::Less: return "'<'";
    case Tok::LessEq: return "'<='";
    case Tok::Greater: return "'>'";
    case Tok::GreaterEq: return "'>='";
    case Tok::Tilde: return "'~'";
  }
  return "token";
}

}  // namespace rules
