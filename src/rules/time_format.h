// Datetime and timespan text: the literals of the rule language and the way
// values are printed. Times are normalize::Ticks, 100 ns since 1601-01-01 UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "normalize/normalized_event.h"

namespace rules {

constexpr normalize::Ticks kTicksPerMillisecond = 10'000;
constexpr normalize::Ticks kTicksPerSecond = normalize::kTicksPerSecond;
constexpr normalize::Ticks kTicksPerMinute = 60 * kTicksPerSecond;
constexpr normalize::Ticks kTicksPerHour = 60 * kTicksPerMinute;
constexpr normalize::Ticks kTicksPerDay = 24 * kTicksPerHour;
// Kusto (.NET) counts datetimes from 0001-01-01; FILETIME from 1601-01-01.
// The gap is 584,388 whole days (a multiple of 7: both days are Mondays).
constexpr normalize::Ticks kTicks0001To1601 = 584'388 * kTicksPerDay;

// Floor division (rounds toward negative infinity); d > 0.
constexpr int64_t floor_div(int64_t a, int64_t d) { return a / d - ((a % d != 0) && ((a < 0) != (d < 0))); }

// The text inside datetime(...): 2019-04-30, 2019-04-30T20:35:11.856Z,
// 2017-10-30 23:00:10.100, up to 7 fraction digits, optional Z or +hh:mm / -hh:mm.
std::optional<normalize::Ticks> parse_datetime(std::string_view text);

// A timespan written as number+unit (2s, 1.5h, 100ms, 3tick, 5min, 2days...)
// or as [-][d.]hh:mm[:ss[.fffffff]] (the form timespan(...) also accepts).
std::optional<normalize::Ticks> parse_timespan(std::string_view text);
// Ticks per unit for a timespan suffix (d, day, days, h, hr, hrs, hour, hours,
// m, min, minute, minutes, s, sec, second, seconds, ms, milli, millis,
// millisecond, milliseconds, microsecond, microseconds, tick, ticks), or 0.
normalize::Ticks timespan_unit(std::string_view suffix);

std::string format_datetime(normalize::Ticks t);  // 2019-04-30T20:35:11.8560000Z
std::string format_timespan(normalize::Ticks t);  // -1.02:03:04.5000000, 00:00:02

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
CivilDate civil_from_ticks(normalize::Ticks t);

}  // namespace rules
