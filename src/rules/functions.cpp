// The language's functions: datetime_diff and bin with Kusto's semantics, and
// the string helpers (tolower, toupper, isempty, isnotempty, strlen).
#include <array>
#include <cmath>
#include <vector>

#include "rules/ast.h"
#include "rules/text_match.h"
#include "rules/time_format.h"

namespace rules::detail {
namespace {

constexpr normalize::Ticks kTicksPerWeek = 7 * kTicksPerDay;

struct PeriodName {
  const char* name;
  Period period;
};
constexpr PeriodName kPeriods[] = {
    {"year", Period::Year},
    {"quarter", Period::Quarter},
    {"month", Period::Month},
    {"week", Period::Week},
    {"day", Period::Day},
    {"hour", Period::Hour},
    {"minute", Period::Minute},
    {"second", Period::Second},
    {"millisecond", Period::Millisecond},
    {"microsecond", Period::Microsecond},
    {"nanosecond", Period::Nanosecond},
};

std::string_view text_of(const Value& v, std::string& storage) {
  if (v.type == Type::String) return v.str();
  storage = value_text(v);
  return storage;
}

}  // namespace

std::optional<Period> period_by_name(std::string_view name) {
  std::string n = fold_case(name);
  for (const PeriodName& p : kPeriods)
    if (n == p.name) return p.period;
  return std::nullopt;
}

std::optional<PeriodUnit> period_unit(Period p) {
  switch (p) {
    // FILETIME day 0 (1601-01-01) is a Monday; weeks start on Sunday, so one
    // day of shift puts every Sunday 00:00 at a multiple of 7 days.
    case Period::Week: return PeriodUnit{kTicksPerWeek, kTicksPerDay};
    case Period::Day: return PeriodUnit{kTicksPerDay, 0};
    case Period::Hour: return PeriodUnit{kTicksPerHour, 0};
    case Period::Minute: return PeriodUnit{kTicksPerMinute, 0};
    case Period::Second: return PeriodUnit{kTicksPerSecond, 0};
    case Period::Millisecond: return PeriodUnit{kTicksPerMillisecond, 0};
    case Period::Microsecond: return PeriodUnit{10, 0};
    default: return std::nullopt;
  }
}

// Kusto counts the period boundaries crossed from b to a: for fixed-length
// periods floor(a / unit) - floor(b / unit), for calendar periods the
// difference of the calendar counters. datetime_diff("second",
// 23:00:10.100, 23:00:00.900) is 10 although 9.2 s passed.
int64_t datetime_diff(Period p, normalize::Ticks a, normalize::Ticks b) {
  if (auto u = period_unit(p)) return floor_div(a + u->origin, u->unit) - floor_div(b + u->origin, u->unit);
  if (p == Period::Nanosecond) return (a - b) * 100;
  CivilDate ca = civil_from_ticks(a), cb = civil_from_ticks(b);
  switch (p) {
    case Period::Year: return ca.year - cb.year;
    case Period::Quarter: return (ca.year * 4 + (ca.month - 1) / 3) - (cb.year * 4 + (cb.month - 1) / 3);
    case Period::Month: return (ca.year * 12 + ca.month - 1) - (cb.year * 12 + cb.month - 1);
    default: return 0;
  }
}

Value bin_value(const Value& x, const Value& size) {
  if (!x.known()) return x;
  switch (x.type) {
    case Type::Int:
      if (size.type == Type::Int) return Value::integer(floor_div(x.i, size.i) * size.i);
      return Value::real(std::floor(static_cast<double>(x.i) / size.r) * size.r);
    case Type::Real: {
      double s = size.type == Type::Real ? size.r : static_cast<double>(size.i);
      return Value::real(std::floor(x.r / s) * s);
    }
    case Type::DateTime:
      // Bins count from 0001-01-01 as Kusto's do (its ticks are FILETIME ticks
      // + kTicks0001To1601). The shift only matters for sizes that do not
      // divide 584,388 days; seconds, minutes, hours, days, weeks align either way.
      return Value::datetime(floor_div(x.i + kTicks0001To1601, size.i) * size.i - kTicks0001To1601);
    case Type::Timespan: return Value::timespan(floor_div(x.i, size.i) * size.i);
    default: return Value::unknown(0);
  }
}

Value CallNode::eval(const EvalContext& ctx) const {
  Value v = arg->eval(ctx);
  if (!v.known()) return Value::unknown(v.unknowns);  // isempty(unknown) is unknown too
  std::string storage;
  switch (fn) {
    case Fn::ToLower: return Value::owned(fold_case(text_of(v, storage)));
    case Fn::ToUpper: return Value::owned(upper_case(text_of(v, storage)));
    case Fn::IsEmpty: return Value::boolean(v.type == Type::String && v.str().empty());
    case Fn::IsNotEmpty: return Value::boolean(!(v.type == Type::String && v.str().empty()));
    case Fn::StrLen: return Value::integer(static_cast<int64_t>(utf8_length(text_of(v, storage))));
  }
  return Value::unknown(0);
}

Value ExtractNode::eval(const EvalContext& ctx) const {
  Value v = text->eval(ctx);
  if (!v.known()) return Value::unknown(v.unknowns);
  std::string storage;
  std::string_view s = text_of(v, storage);
  // Only the wanted group is asked for (RE2 fills groups 0..group); no allocation per event.
  std::array<re2::StringPiece, 16> fixed;
  std::vector<re2::StringPiece> many;
  re2::StringPiece* groups = fixed.data();
  if (static_cast<size_t>(group) >= fixed.size()) {
    many.resize(static_cast<size_t>(group) + 1);
    groups = many.data();
  }
  if (!re->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), re2::RE2::UNANCHORED, groups, group + 1))
    return Value::owned("");
  const re2::StringPiece& g = groups[group];
  return Value::owned(std::string(g.data(), g.size()));
}

Value DatetimeDiffNode::eval(const EvalContext& ctx) const {
  Value x = a->eval(ctx);
  Value y = b->eval(ctx);
  if (!x.known() || !y.known()) return Value::unknown((x.known() ? 0 : x.unknowns) | (y.known() ? 0 : y.unknowns));
  if (x.type != Type::DateTime || y.type != Type::DateTime) return Value::unknown(0);
  return Value::integer(datetime_diff(period, x.i, y.i));
}

Value BinNode::eval(const EvalContext& ctx) const { return bin_value(x->eval(ctx), size); }

}  // namespace rules::detail
