#include "rules/time_format.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace rules {
namespace {

// Days from 1601-01-01 to 1970-01-01.
constexpr int64_t kDays1601To1970 = 134'774;

bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Fraction digits after a '.', at most 7 significant (more are truncated), as ticks.
size_t fraction(std::string_view s, size_t pos, int64_t& ticks) {
  size_t n = 0;
  int64_t v = 0;
  while (pos + n < s.size() && std::isdigit(static_cast<unsigned char>(s[pos + n]))) {
    if (n < 7) v = v * 10 + (s[pos + n] - '0');
    ++n;
  }
  for (size_t k = n; k < 7; ++k) v *= 10;
  ticks = v;
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<normalize::Ticks> parse_datetime(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = trim(s.substr(1, s.size() - 2));
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, frac = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d))
    return std::nullopt;
  size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    ++p;
    if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi)) return std::nullopt;
    p += 5;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, se)) return std::nullopt;
      p += 3;
      if (p < s.size() && s[p] == '.') {
        size_t n = fraction(s, p + 1, frac);
        if (n == 0) return std::nullopt;
        p += 1 + n;
      }
    }
  }
  int64_t offset_minutes = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int64_t oh = 0, om = 0;
    if (!digits(s, p + 1, 2, oh)) return std::nullopt;
    size_t q = p + 3;
    if (q < s.size() && s[q] == ':') ++q;
    if (!digits(s, q, 2, om)) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
    p = q + 2;
  }
  if (p != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year{static_cast<int>(y)}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  int64_t days = sys_days{ymd}.time_since_epoch().count() + kDays1601To1970;
  return days * kTicksPerDay + h * kTicksPerHour + mi * kTicksPerMinute + se * kTicksPerSecond + frac -
         offset_minutes * kTicksPerMinute;
}

normalize::Ticks timespan_unit(std::string_view u) {
  if (u == "d" || u == "day" || u == "days") return kTicksPerDay;
  if (u == "h" || u == "hr" || u == "hrs" || u == "hour" || u == "hours") return kTicksPerHour;
  if (u == "m" || u == "min" || u == "minute" || u == "minutes") return kTicksPerMinute;
  if (u == "s" || u == "sec" || u == "second" || u == "seconds") return kTicksPerSecond;
  if (u == "ms" || u == "milli" || u == "millis" || u == "millisecond" || u == "milliseconds")
    return kTicksPerMillisecond;
  if (u == "microsecond" || u == "microseconds") return 10;
  if (u == "tick" || u == "ticks") return 1;
  return 0;
}

std::optional<normalize::Ticks> parse_timespan(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = trim(s.substr(1, s.size() - 2));
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return std::nullopt;
  normalize::Ticks result = 0;
  if (s.find(':') != std::string_view::npos) {
    // [d.]hh:mm[:ss[.fffffff]]
    int64_t days = 0, h = 0, mi = 0, se = 0, frac = 0;
    size_t p = 0;
    size_t colon = s.find(':');
    size_t dot = s.substr(0, colon).find('.');
    if (dot != std::string_view::npos) {
      if (dot == 0 || dot > 9 || !digits(s, 0, dot, days)) return std::nullopt;
      p = dot + 1;
    }
    size_t hl = colon - p;
    if (hl < 1 || hl > 2 || !digits(s, p, hl, h)) return std::nullopt;
    p = colon + 1;
    if (!digits(s, p, 2, mi)) return std::nullopt;
    p += 2;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, se)) return std::nullopt;
      p += 3;
      if (p < s.size() && s[p] == '.') {
        size_t n = fraction(s, p + 1, frac);
        if (n == 0) return std::nullopt;
        p += 1 + n;
      }
    }
    if (p != s.size() || h > 23 || mi > 59 || se > 59) return std::nullopt;
    result = days * kTicksPerDay + h * kTicksPerHour + mi * kTicksPerMinute + se * kTicksPerSecond + frac;
  } else {
    // number + unit
    size_t p = 0;
    int64_t whole = 0;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
      if (whole > (INT64_MAX - 9) / 10) return std::nullopt;
      whole = whole * 10 + (s[p] - '0');
      ++p;
    }
    std::string_view frac_digits;
    if (p < s.size() && s[p] == '.') {
      size_t q = p + 1;
      while (q < s.size() && std::isdigit(static_cast<unsigned char>(s[q]))) ++q;
      frac_digits = s.substr(p + 1, q - p - 1);
      if (frac_digits.empty()) return std::nullopt;
      p = q;
    }
    normalize::Ticks unit = timespan_unit(s.substr(p));
    if (unit == 0) return std::nullopt;
    if (whole > INT64_MAX / unit) return std::nullopt;
    result = whole * unit;
    // Fraction: exact in ticks where the unit allows (1.5h, 0.1s), truncated below one tick.
    normalize::Ticks scale = unit;
    for (char c : frac_digits) {
      if (scale == 0) break;
      // unit * digit / 10^k, accumulated with integer arithmetic to keep exactness.
      result += (c - '0') * scale / 10;
      scale /= 10;
    }
  }
  return neg ? -result : result;
}

CivilDate civil_from_ticks(normalize::Ticks t) {
  using namespace std::chrono;
  int64_t days = floor_div(t, kTicksPerDay) - kDays1601To1970;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  return CivilDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}

std::string format_datetime(normalize::Ticks t) {
  CivilDate c = civil_from_ticks(t);
  normalize::Ticks in_day = t - floor_div(t, kTicksPerDay) * kTicksPerDay;
  char buf[64];
  std::snprintf(
      buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%07lldZ", static_cast<long long>(c.year), c.month, c.day,
      static_cast<long long>(in_day / kTicksPerHour), static_cast<long long>(in_day / kTicksPerMinute % 60),
      static_cast<long long>(in_day / kTicksPerSecond % 60), static_cast<long long>(in_day % kTicksPerSecond));
  return buf;
}

std::string format_timespan(normalize::Ticks t) {
  std::string out;
  uint64_t a = t < 0 ? 0 - static_cast<uint64_t>(t) : static_cast<uint64_t>(t);
  if (t < 0) out += '-';
  uint64_t days = a / kTicksPerDay;
  uint64_t rest = a % kTicksPerDay;
  char buf[64];
  if (days > 0) {
    std::snprintf(buf, sizeof buf, "%llu.", static_cast<unsigned long long>(days));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(rest / kTicksPerHour),
                static_cast<unsigned long long>(rest / kTicksPerMinute % 60),
                static_cast<unsigned long long>(rest / kTicksPerSecond % 60));
  out += buf;
  if (uint64_t f = rest % kTicksPerSecond) {
    std::snprintf(buf, sizeof buf, ".%07llu", static_cast<unsigned long long>(f));
    out += buf;
  }
  return out;
}

}  // namespace rules
