// The value types Windows gives event fields, and the encoding of event text
// back into BinXML values: what the EVTX writer needs to turn an XML event
// (all text) into a record whose substitution values are typed as a Windows
// machine would have typed them.
//
// The tables were read off real logs (the template definitions and value
// descriptors of the shared corpus): System fields for every provider; Sysmon
// and Security-Auditing data fields by field name (both providers type a name
// the same way in every event, save the Windows Filtering Platform events
// 5152-5158, typed per event); Kernel-General 12/13; <Binary> of classic
// events (System 6005, 7036, ...). Anything else is a string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evtx/value.h"

namespace evtx {

// Type of a System value: element name and attribute name ("" for the
// element's text), e.g. ("EventID", "") UInt16, ("TimeCreated",
// "SystemTime") FileTime. String for anything not in the table.
ValueType system_value_type(std::string_view element, std::string_view attribute);

// Type of an event data value by provider name, EventID and field name (the
// Data element's Name attribute, or the element's own name: "Binary", UserData
// leaves); e.g. Sysmon ProcessId UInt32, ProcessGuid Guid, Initiated Bool,
// SourcePort UInt16, LogonId HexInt64; Security 4688 NewProcessId SizeT,
// SubjectUserSid Sid; 5156 ProcessID UInt64, SourcePort String. SizeT means what Windows writes for pointer-sized
// fields: the template declares SizeT and the value is HexInt64. String when unknown.
ValueType data_value_type(std::string_view provider, uint16_t event_id, std::string_view name);

// A value ready to be written as a substitution: the type the template
// declares, the type of the value descriptor and the value's bytes.
struct EncodedValue {
  ValueType declared = ValueType::String;
  ValueType type = ValueType::Null;  // Null: no value (size 0)
  std::string bytes;
};

// Encodes text as a value of type `wanted`. The typed value is used only when
// the text is exactly how Windows renders that value (append_value_text gives
// the text back), so a written record renders the same XML; FILETIMEs are the
// exception: any ISO 8601 UTC time with up to 7 significant fraction digits is
// accepted and renders with 7 digits. Text that does not fit the type becomes
// a String (declared String). Empty text becomes a String of size 0 under the
// declared type (libevtx refuses a Null value in a normal substitution).
EncodedValue encode_value(ValueType wanted, std::string_view text);

// Parses an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SS[.fraction]Z, up to 9
// fraction digits, digits past the 7th must be 0) into a FILETIME.
bool parse_iso_filetime(std::string_view text, uint64_t& filetime);

}  // namespace evtx
