#include "rules/field_types.h"

namespace rules {

Type field_type(normalize::Field f) {
  using normalize::Field;
  switch (f) {
    case Field::Timestamp:
    case Field::LastBootTime: return Type::DateTime;
    case Field::ProcessId:
    case Field::InitiatingProcessId:
    case Field::InitiatingProcessParentId:
    case Field::LocalPort:
    case Field::RemotePort:
    case Field::EventRecordID:
    case Field::EventID: return Type::Int;
    default: return Type::String;
  }
}

Value field_value(const normalize::FieldValue& fv, UnknownSet unknown_bit) {
  using Kind = normalize::FieldValue::Kind;
  switch (fv.kind) {
    case Kind::String: return Value::borrowed(fv.s);
    case Kind::Int: return Value::integer(fv.i);
    case Kind::Time: return Value::datetime(fv.i);
    case Kind::Unknown: break;
  }
  return Value::unknown(unknown_bit);
}

}  // namespace rules
