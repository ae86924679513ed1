// Values of KQL as the engine computes them: the scalar types of Kusto
// (bool, long, real, string, datetime, timespan, guid as string) and dynamic
// (JSON arrays, property bags and scalars). Every type but string has a null;
// a string is never null (Kusto writes "" where a value is missing).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kql {

enum class Type : uint8_t { Bool, Long, Real, String, DateTime, Timespan, Dynamic };
const char* type_name(Type t);                            // "bool", "long", "real", "string", "datetime", ...
std::optional<Type> type_by_name(std::string_view name);  // also int, double, decimal, date, time, guid

// Bounds on what one value may hold, so that a hostile query cannot exhaust
// memory or the stack: a string a function makes, and the nesting of a
// dynamic value read from text (parse_json, dynamic(...), parse_xml).
constexpr size_t kMaxString = size_t{16} << 20;
constexpr int kMaxNesting = 100;

// Property bags keep their keys in the order written, as Kusto prints them.
using Json = nlohmann::ordered_json;

struct Value {
  Type type = Type::Dynamic;
  bool null = true;
  union {
    int64_t i = 0;  // Bool (0/1), Long, DateTime (ticks since 1601), Timespan (ticks)
    double r;       // Real
  };
  std::string s;                  // String
  std::shared_ptr<const Json> d;  // Dynamic: an array, a bag or a scalar

  static Value null_of(Type t);
  static Value boolean(bool b);
  static Value integer(int64_t v);
  static Value real(double v);
  static Value string(std::string v);
  static Value datetime(int64_t ticks);
  static Value timespan(int64_t ticks);
  static Value dynamic(Json j);  // JSON null is a null dynamic

  bool is_null() const { return null; }
  bool truthy() const { return type == Type::Bool && !null && i != 0; }
};

// A value of a JSON element: numbers, strings and bools become scalars (as
// Kusto's implicit conversions do), arrays and bags stay dynamic.
Value from_json(const Json& j);
// The value as a JSON element (datetimes and timespans as their text).
Json to_json(const Value& v);

// Text of a value as tostring() gives it: strings as they are, datetimes in
// ISO 8601 with 7 fraction digits and Z, timespans as [-][d.]hh:mm:ss[.fffffff],
// reals in the shortest form that reads back, dynamic as compact JSON (a
// dynamic string without its quotes), null as "".
std::string to_text(const Value& v);

// Whether JSON text nests brackets deeper than kMaxNesting (counted over
// the whole text, strings included: a bound, not a parse).
bool nests_too_deep(std::string_view text);

// A dynamic literal as KQL writes it: JSON, with single-quoted strings too.
// Throws std::runtime_error when it is not one.
Json parse_dynamic_literal(std::string_view text);

// Ordering for order by / top / min / max: numbers by value (long and real
// compared as numbers), strings by bytes, datetimes and timespans by ticks.
// Nulls are not ordered here (the caller places them); returns <0, 0, >0.
int compare(const Value& a, const Value& b);
// Equality as == computes it for non-null values of comparable types
// (case-sensitive strings; long == real by value).
bool equal(const Value& a, const Value& b);
// A key that is equal for values equal under `equal` (grouping, join keys,
// distinct): type family and content, null its own key.
void append_key(std::string& key, const Value& v);

}  // namespace kql
