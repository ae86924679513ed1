#include "kql/value.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "rules/time_format.h"

namespace kql {

const char* type_name(Type t) {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Long: return "long";
    case Type::Real: return "real";
    case Type::String: return "string";
    case Type::DateTime: return "datetime";
    case Type::Timespan: return "timespan";
    case Type::Dynamic: return "dynamic";
  }
  return "dynamic";
}

std::optional<Type> type_by_name(std::string_view n) {
  if (n == "bool" || n == "boolean") return Type::Bool;
  if (n == "long" || n == "int") return Type::Long;
  if (n == "real" || n == "double" || n == "decimal") return Type::Real;
  if (n == "string" || n == "guid" || n == "uniqueid") return Type::String;
  if (n == "datetime" || n == "date") return Type::DateTime;
  if (n == "timespan" || n == "time") return Type::Timespan;
  if (n == "dynamic") return Type::Dynamic;
  return std::nullopt;
}

Value Value::null_of(Type t) {
  Value v;
  v.type = t;
  v.null = t != Type::String;
  return v;
}

namespace {

Value known(Type t, int64_t i = 0) {
  Value v;
  v.type = t;
  v.null = false;
  v.i = i;
  return v;
}

}  // namespace

Value Value::boolean(bool b) { return known(Type::Bool, b ? 1 : 0); }
Value Value::integer(int64_t x) { return known(Type::Long, x); }
Value Value::real(double x) {
  Value v = known(Type::Real);
  v.r = x;
  return v;
}
Value Value::string(std::string x) {
  Value v = known(Type::String);
  v.s = std::move(x);
  return v;
}
Value Value::datetime(int64_t t) { return known(Type::DateTime, t); }
Value Value::timespan(int64_t t) { return known(Type::Timespan, t); }
Value Value::dynamic(Json j) {
  Value v;
  v.type = Type::Dynamic;
  v.null = j.is_null();
  if (!v.null) v.d = std::make_shared<const Json>(std::move(j));
  return v;
}

Value from_json(const Json& j) {
  if (j.is_boolean()) return Value::boolean(j.get<bool>());
  if (j.is_number_unsigned()) {  // before is_number_integer, which unsigned numbers also answer
    uint64_t u = j.get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? Value::real(static_cast<double>(u))
                                                : Value::integer(static_cast<int64_t>(u));
  }
  if (j.is_number_integer()) return Value::integer(j.get<int64_t>());
  if (j.is_number_float()) return Value::real(j.get<double>());
  if (j.is_string()) return Value::string(j.get<std::string>());
  return Value::dynamic(j);
}

Json to_json(const Value& v) {
  if (v.null) return nullptr;
  switch (v.type) {
    case Type::Bool: return v.i != 0;
    case Type::Long: return v.i;
    case Type::Real: return std::isfinite(v.r) ? Json(v.r) : Json(to_text(v));
    case Type::String: return v.s;
    case Type::DateTime:
    case Type::Timespan: return to_text(v);
    case Type::Dynamic: return v.d ? *v.d : Json();
  }
  return nullptr;
}

namespace {

std::string real_text(double r) {
  if (std::isnan(r)) return "NaN";
  if (std::isinf(r)) return r > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, r);
  return std::string(buf, res.ptr);
}

}  // namespace

std::string to_text(const Value& v) {
  if (v.null) return "";
  switch (v.type) {
    case Type::Bool: return v.i ? "true" : "false";
    case Type::Long: return std::to_string(v.i);
    case Type::Real: return real_text(v.r);
    case Type::String: return v.s;
    case Type::DateTime: return rules::format_datetime(v.i);
    case Type::Timespan: return rules::format_timespan(v.i);
    case Type::Dynamic:
      if (!v.d) return "";
      if (v.d->is_string()) return v.d->get<std::string>();
      return v.d->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return "";
}

bool nests_too_deep(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Json parse_dynamic_literal(std::string_view text) {
  // Rewrites KQL's string forms ('...', @"...", @'...') as JSON strings,
  // joins adjacent strings ("a" "b" is "ab", as in KQL) and drops //
  // comments; the rest is JSON as written.
  std::string json;
  json.reserve(text.size());
  size_t last_start = std::string::npos;  // where the last string begins in `json`, while only spaces follow it
  std::string last_value;
  auto emit_string = [&](std::string value) {
    if (last_start != std::string::npos) {
      json.resize(last_start);
      value = last_value + value;
    }
    last_start = json.size();
    last_value = value;
    json += Json(value).dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {  // a JSON string, escapes and all
      size_t j = i + 1;
      while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
      Json value = Json::parse(text.substr(i, j + 1 - i), nullptr, false);
      if (!value.is_string()) throw std::runtime_error("not a dynamic value: a string that does not end");
      emit_string(value.get<std::string>());
      i = j;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if ((c == '@' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\'')) || c == '\'') {
      bool verbatim = c == '@';
      if (verbatim) ++i;
      char quote = text[i];
      std::string s;
      size_t j = i + 1;
      for (; j < text.size(); ++j) {
        if (text[j] == quote) {
          if (verbatim && j + 1 < text.size() && text[j + 1] == quote) {  // "" in a verbatim string
            s += quote;
            ++j;
            continue;
          }
          break;
        }
        if (!verbatim && text[j] == '\\' && j + 1 < text.size()) {
          ++j;
          s += text[j] == 'n' ? '\n' : text[j] == 't' ? '\t' : text[j] == 'r' ? '\r' : text[j];
        } else {
          s += text[j];
        }
      }
      emit_string(std::move(s));
      i = j;
    } else {
      if (!std::isspace(static_cast<unsigned char>(c))) last_start = std::string::npos;
      json += c;
    }
  }
  if (nests_too_deep(json))
    throw std::runtime_error("a dynamic value nested deeper than " + std::to_string(kMaxNesting) + " levels");
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("not a dynamic value: " + std::string(text.substr(0, 80)));
  return j;
}

namespace {

bool numeric(Type t) { return t == Type::Long || t == Type::Real; }
double as_real(const Value& v) { return v.type == Type::Real ? v.r : static_cast<double>(v.i); }

// A string compared with a number is read as one, as Sentinel's string
// columns of numbers (LogonType, EventData fields) are compared in hunts.
std::optional<Value> as_number(const Value& s) {
  if (s.type != Type::String || s.s.empty()) return std::nullopt;
  const char* begin = s.s.data();
  const char* end = begin + s.s.size();
  int64_t i = 0;
  if (auto r = std::from_chars(begin, end, i); r.ec == std::errc() && r.ptr == end) return Value::integer(i);
  double d = 0;
  if (auto r = std::from_chars(begin, end, d); r.ec == std::errc() && r.ptr == end) return Value::real(d);
  return std::nullopt;
}

}  // namespace

int compare(const Value& a, const Value& b) {
  if ((a.type == Type::String && numeric(b.type)) || (numeric(a.type) && b.type == Type::String)) {
    std::optional<Value> x = a.type == Type::String ? as_number(a) : a, y = b.type == Type::String ? as_number(b) : b;
    if (x && y) return compare(*x, *y);
  }
  if (numeric(a.type) && numeric(b.type)) {
    if (a.type == Type::Long && b.type == Type::Long) return a.i < b.i ? -1 : a.i > b.i;
    double x = as_real(a), y = as_real(b);
    return x < y ? -1 : x > y;
  }
  if (a.type != b.type || a.type == Type::String || a.type == Type::Dynamic) {
    if (a.type != b.type && !(a.type == Type::String || b.type == Type::String))
      return static_cast<int>(a.type) - static_cast<int>(b.type);
    std::string x = a.type == Type::String ? a.s : to_text(a), y = b.type == Type::String ? b.s : to_text(b);
    int c = x.compare(y);
    return c < 0 ? -1 : c > 0;
  }
  return a.i < b.i ? -1 : a.i > b.i;
}

bool equal(const Value& a, const Value& b) {
  if (a.type == Type::Dynamic && b.type == Type::Dynamic) return a.d && b.d && *a.d == *b.d;
  if (a.type == Type::Dynamic || b.type == Type::Dynamic) {
    const Value& dyn = a.type == Type::Dynamic ? a : b;
    const Value& other = a.type == Type::Dynamic ? b : a;
    if (!dyn.d || dyn.d->is_array() || dyn.d->is_object()) return false;
    return equal(from_json(*dyn.d), other);
  }
  if (numeric(a.type) && numeric(b.type)) return compare(a, b) == 0;
  if ((a.type == Type::String && numeric(b.type)) || (numeric(a.type) && b.type == Type::String)) {
    std::optional<Value> n = as_number(a.type == Type::String ? a : b);
    return n && compare(*n, a.type == Type::String ? b : a) == 0;
  }
  if (a.type != b.type) return false;
  if (a.type == Type::String) return a.s == b.s;
  return a.i == b.i;
}

void append_key(std::string& key, const Value& v) {
  if (v.null) {
    key += "\x01n";
    return;
  }
  if (v.type == Type::Real && v.r == std::floor(v.r) && std::abs(v.r) < 9e18) {
    key += "\x01l" + std::to_string(static_cast<int64_t>(v.r));  // 2.0 groups with 2
    return;
  }
  key += '\x01';
  switch (v.type) {
    case Type::Long: key += 'l' + std::to_string(v.i); return;
    case Type::Bool: key += 'b' + std::to_string(v.i); return;
    case Type::DateTime: key += 'd' + std::to_string(v.i); return;
    case Type::Timespan: key += 't' + std::to_string(v.i); return;
    case Type::Real: key += 'r' + real_text(v.r); return;
    case Type::String:
      key += 's' + std::to_string(v.s.size()) + ':';
      key += v.s;
      return;
    case Type::Dynamic: {
      std::string j = to_text(v);
      key += 'j' + std::to_string(j.size()) + ':' + j;
      return;
    }
  }
}

}  // namespace kql
