#include "rules/value.h"

#include <cstdio>

#include "rules/time_format.h"

namespace rules {

const char* type_name(Type t) {
  switch (t) {
    case Type::Unknown: return "unknown";
    case Type::Bool: return "bool";
    case Type::Int: return "long";
    case Type::Real: return "real";
    case Type::String: return "string";
    case Type::DateTime: return "datetime";
    case Type::Timespan: return "timespan";
  }
  return "unknown";
}

std::string format_value(const Value& v) {
  switch (v.type) {
    case Type::Unknown: return "";
    case Type::Bool: return v.i ? "true" : "false";
    case Type::Int: return std::to_string(v.i);
    case Type::Real: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.r);
      return buf;
    }
    case Type::String: return std::string(v.str());
    case Type::DateTime: return format_datetime(v.i);
    case Type::Timespan: return format_timespan(v.i);
  }
  return "";
}

}  // namespace rules
