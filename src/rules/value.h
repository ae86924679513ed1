// Values of the rule expression language: what an expression evaluates to.
//
// A value is one of the KQL scalar types the language knows (bool, long, real,
// string, datetime, timespan) or Unknown: a value the logs never showed
// (DESIGN.md, Replay). An Unknown value carries the set of field references
// that made it unknown, as bits into the compiled expression's field table
// (Expression::unknown_fields turns the bits into names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "normalize/normalized_event.h"

namespace rules {

// Bit i set: field reference i of the compiled expression was unknown.
using UnknownSet = uint64_t;

enum class Type : uint8_t { Unknown, Bool, Int, Real, String, DateTime, Timespan };
const char* type_name(Type t);  // "unknown", "bool", "long", "real", "string", "datetime", "timespan"

struct Value {
  Type type = Type::Unknown;
  bool owns_text = false;   // the string lives in `text`, not behind `view`
  UnknownSet unknowns = 0;  // Unknown: which field references caused it (0: none, e.g. division by zero)
  int64_t i = 0;            // Bool (0/1), Int, DateTime (ticks since 1601), Timespan (ticks)
  double r = 0;             // Real
  std::string_view view;    // String borrowed from an event or from the compiled expression
  std::string text;         // String computed during evaluation (tolower, ...)

  bool known() const { return type != Type::Unknown; }
  std::string_view str() const { return owns_text ? std::string_view(text) : view; }

  static Value unknown(UnknownSet u) {
    Value v;
    v.unknowns = u;
    return v;
  }
  static Value boolean(bool b) {
    Value v;
    v.type = Type::Bool;
    v.i = b ? 1 : 0;
    return v;
  }
  static Value integer(int64_t x) {
    Value v;
    v.type = Type::Int;
    v.i = x;
    return v;
  }
  static Value real(double x) {
    Value v;
    v.type = Type::Real;
    v.r = x;
    return v;
  }
  static Value datetime(normalize::Ticks t) {
    Value v;
    v.type = Type::DateTime;
    v.i = t;
    return v;
  }
  static Value timespan(normalize::Ticks t) {
    Value v;
    v.type = Type::Timespan;
    v.i = t;
    return v;
  }
  // Borrows: `s` must outlive the value (event fields and compiled literals do).
  static Value borrowed(std::string_view s) {
    Value v;
    v.type = Type::String;
    v.view = s;
    return v;
  }
  static Value owned(std::string s) {
    Value v;
    v.type = Type::String;
    v.owns_text = true;
    v.text = std::move(s);
    return v;
  }
};

// Text of a value as the timeline shows it: strings as they are, datetimes in
// ISO 8601 UTC with 7 fraction digits (2019-04-30T20:35:11.8560000Z), timespans
// as Kusto prints them ([-][d.]hh:mm:ss[.fffffff]), bools true/false, Unknown "".
std::string format_value(const Value& v);

}  // namespace rules
