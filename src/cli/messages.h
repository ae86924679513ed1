// Messages to a terminal (stderr, and the lines `rules check` prints): printf
// formats whose text arguments (file names, host names, rule errors: anything
// from the evidence or the rules) are shown through output::terminal_text,
// so an escape sequence in a file name is printed as \x1b, not obeyed. The
// format itself (the program's own text, with its newlines) stands.
#pragma once

#include <cstdio>
#include <string>
#include <tuple>
#include <type_traits>

#include "output/terminal_text.h"

namespace cli {
namespace detail {

inline std::string shown(const char* s) { return output::terminal_text(s ? s : "(null)"); }
inline std::string shown(const std::string& s) { return output::terminal_text(s); }
template <class T>
requires std::is_arithmetic_v<T> T shown(T v) { return v; }

template <class T>
auto printf_arg(const T& v) {
  if constexpr (std::is_same_v<T, std::string>)
    return v.c_str();
  else
    return v;
}

}  // namespace detail

template <class... Args>
void message(std::FILE* to, const char* format, const Args&... args) {
  auto held = std::make_tuple(detail::shown(args)...);
  std::apply(
      [&](const auto&... a) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
        std::fprintf(to, format, detail::printf_arg(a)...);
#pragma GCC diagnostic pop
      },
      held);
}

}  // namespace cli
