// The type the rule language gives each normalized field (for compile-time
// checks; an event's own FieldValue kind decides at run time).
#pragma once

#include "normalize/normalized_event.h"
#include "rules/value.h"

namespace rules {

// Timestamp, LastBootTime: datetime; ids, ports, EventRecordID, EventID: long;
// every other field: string.
Type field_type(normalize::Field f);

// The field's value in an event as a language value (strings are borrowed
// from the event). Unknown fields come back Unknown with `unknown_bit` set.
Value field_value(const normalize::FieldValue& fv, UnknownSet unknown_bit);

}  // namespace rules
