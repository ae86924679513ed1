// The EVTX writer's value typing: the tables read off real logs (System values; Sysmon and
// Security-Auditing data fields by name; per-event exceptions such as the Filtering Platform's
// process ids and Kernel-General 12/13) and encode_value(), which keeps a typed encoding only
// when rendering it gives back the input text (FILETIMEs excepted) and otherwise writes the
// text as a UTF-16LE String. Its strict ISO 8601 parser rejects dates that do not exist (Feb 30).
// Only evtx_writer.cpp and the writer tests use it.
#include "evtx/writer_typing.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/utf16.h"

namespace evtx {
namespace {

using VT = ValueType;

struct SystemEntry {
  const char* element;
  const char* attribute;
  ValueType type;
};

// As the System template of every manifest-based provider types them.
const SystemEntry kSystem[] = {
    {"Provider", "Name", VT::String},
    {"Provider", "Guid", VT::Guid},
    {"Provider", "EventSourceName", VT::String},
    {"EventID", "", VT::UInt16},
    {"EventID", "Qualifiers", VT::UInt16},
    {"Version", "", VT::UInt8},
    {"Level", "", VT::UInt8},
    {"Task", "", VT::UInt16},
    {"Opcode", "", VT::UInt8},
    {"Keywords", "", VT::HexInt64},
    {"TimeCreated", "SystemTime", VT::FileTime},
    {"EventRecordID", "", VT::UInt64},
    {"Correlation", "ActivityID", VT::Guid},
    {"Correlation", "RelatedActivityID", VT::Guid},
    {"Execution", "ProcessID", VT::UInt32},
    {"Execution", "ThreadID", VT::UInt32},
    {"Channel", "", VT::String},
    {"Security", "UserID", VT::Sid},
};

constexpr const char* kSysmon = "Microsoft-Windows-Sysmon";
constexpr const char* kSecurity = "Microsoft-Windows-Security-Auditing";

struct NameEntry {
  const char* name;
  ValueType type;
};

// Sysmon types a field by its name, whatever the event (seen in Sysmon events
// 1, 2, 3, 5, 7, 8, 10, 11, 12, 13, 15, 17, 18, 22, 23 of the corpus).
// UtcTime, Image, CommandLine, IPs, hostnames, ... are strings.
const NameEntry kSysmonFields[] = {
    {"ProcessGuid", VT::Guid},       {"ParentProcessGuid", VT::Guid},   {"LogonGuid", VT::Guid},
    {"SourceProcessGuid", VT::Guid}, {"TargetProcessGuid", VT::Guid},   {"SourceProcessGUID", VT::Guid},
    {"TargetProcessGUID", VT::Guid}, {"ProcessId", VT::UInt32},         {"ParentProcessId", VT::UInt32},
    {"SourceProcessId", VT::UInt32}, {"TargetProcessId", VT::UInt32},   {"SourceThreadId", VT::UInt32},
    {"NewThreadId", VT::UInt32},     {"TerminalSessionId", VT::UInt32}, {"LogonId", VT::HexInt64},
    {"GrantedAccess", VT::HexInt32}, {"Initiated", VT::Bool},           {"SourceIsIpv6", VT::Bool},
    {"DestinationIsIpv6", VT::Bool}, {"IsExecutable", VT::Bool},        {"SourcePort", VT::UInt16},
    {"DestinationPort", VT::UInt16},
};

// Security-Auditing types a field by its name too (pointer-sized process ids
// and handles are SizeT), except in the Windows Filtering Platform events
// below. Ports and addresses of 5152-5158 are strings, as Windows writes them.
const NameEntry kSecurityFields[] = {
    {"SubjectUserSid", VT::Sid},
    {"SubjectLogonId", VT::HexInt64},
    {"TargetUserSid", VT::Sid},
    {"TargetLogonId", VT::HexInt64},
    {"TargetLinkedLogonId", VT::HexInt64},
    {"TargetSid", VT::Sid},
    {"MemberSid", VT::Sid},
    {"DomainSid", VT::Sid},
    {"ServiceSid", VT::Sid},
    {"SourceSid", VT::Sid},
    {"MandatoryLabel", VT::Sid},
    {"RemoteUserID", VT::Sid},
    {"RemoteMachineID", VT::Sid},
    {"NewProcessId", VT::SizeT},
    {"ProcessId", VT::SizeT},
    {"CallerProcessId", VT::SizeT},
    {"HandleId", VT::SizeT},
    {"LogonGuid", VT::Guid},
    {"TargetLogonGuid", VT::Guid},
    {"ObjectGUID", VT::Guid},
    {"OpCorrelationID", VT::Guid},
    {"ResourceManager", VT::Guid},
    {"SubcategoryGuid", VT::Guid},
    {"TransactionId", VT::Guid},
    {"LogonType", VT::UInt32},
    {"KeyLength", VT::UInt32},
    {"RestrictedSidCount", VT::UInt32},
    {"EventCountTotal", VT::UInt32},
    {"EventIdx", VT::UInt32},
    {"NewState", VT::UInt32},
    {"PuaCount", VT::UInt32},
    {"Protocol", VT::UInt32},
    {"FilterRTID", VT::UInt64},
    {"LayerRTID", VT::UInt64},
    {"Status", VT::HexInt32},
    {"SubStatus", VT::HexInt32},
    {"AccessMask", VT::HexInt32},
    {"ReturnCode", VT::HexInt32},
    {"TicketOptions", VT::HexInt32},
    {"TicketEncryptionType", VT::HexInt32},
    {"EventSourceId", VT::HexInt64},
    {"PuaPolicyId", VT::HexInt64},
    {"NewTime", VT::FileTime},
    {"PreviousTime", VT::FileTime},
};

struct DataEntry {
  const char* provider;
  uint16_t event_id;
  const char* name;
  ValueType type;
};

// Per-event exceptions to the name tables, and providers typed per event.
const DataEntry kData[] = {
    // Windows Filtering Platform: the process id is a plain 64-bit integer.
    {kSecurity, 5152, "ProcessId", VT::UInt64},
    {kSecurity, 5154, "ProcessId", VT::UInt64},
    {kSecurity, 5156, "ProcessID", VT::UInt64},
    {kSecurity, 5157, "ProcessID", VT::UInt64},
    {kSecurity, 5158, "ProcessId", VT::UInt64},
    {kSecurity, 5890, "SubjectLogonId", VT::UInt64},
    // Kernel-General 12: the operating system started
    {"Microsoft-Windows-Kernel-General", 12, "MajorVersion", VT::UInt32},
    {"Microsoft-Windows-Kernel-General", 12, "MinorVersion", VT::UInt32},
    {"Microsoft-Windows-Kernel-General", 12, "BuildVersion", VT::UInt32},
    {"Microsoft-Windows-Kernel-General", 12, "QfeVersion", VT::UInt32},
    {"Microsoft-Windows-Kernel-General", 12, "ServiceVersion", VT::UInt16},
    {"Microsoft-Windows-Kernel-General", 12, "BootMode", VT::UInt32},
    {"Microsoft-Windows-Kernel-General", 12, "StartTime", VT::FileTime},
    // Kernel-General 13: the operating system is shutting down
    {"Microsoft-Windows-Kernel-General", 13, "StopTime", VT::FileTime},
};

std::string data_key(std::string_view provider, uint16_t event_id, std::string_view name) {
  std::string k(provider);
  k += '\0';
  k += std::to_string(event_id);
  k += '\0';
  k.append(name);
  return k;
}

const std::unordered_map<std::string, ValueType>& data_table() {
  static const std::unordered_map<std::string, ValueType> table = [] {
    std::unordered_map<std::string, ValueType> t;
    for (const DataEntry& e : kData) t.emplace(data_key(e.provider, e.event_id, e.name), e.type);
    return t;
  }();
  return table;
}

template <size_t N>
ValueType by_name(const NameEntry (&table)[N], std::string_view name) {
  for (const NameEntry& e : table)
    if (name == e.name) return e.type;
  return VT::String;
}

void put_le(std::string& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

bool parse_dec(std::string_view s, uint64_t& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_sdec(std::string_view s, int64_t& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_hex_digits(std::string_view s, uint64_t& v) {
  if (s.empty() || s.size() > 16) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// GUID text {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} (braces optional here; the
// render check decides) to its 16-byte little-endian layout.
bool encode_guid(std::string_view s, std::string& out) {
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  uint64_t d1, d2, d3;
  if (!parse_hex_digits(s.substr(0, 8), d1) || !parse_hex_digits(s.substr(9, 4), d2) ||
      !parse_hex_digits(s.substr(14, 4), d3))
    return false;
  put_le(out, d1, 4);
  put_le(out, d2, 2);
  put_le(out, d3, 2);
  std::string_view rest[2] = {s.substr(19, 4), s.substr(24, 12)};
  for (std::string_view part : rest) {
    for (size_t i = 0; i < part.size(); i += 2) {
      int hi = hex_nibble(part[i]), lo = hex_nibble(part[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
    }
  }
  return true;
}

// SID text S-R-A-S1-S2... to its binary layout: revision, sub-authority count,
// 48-bit big-endian authority, 32-bit little-endian sub-authorities.
bool encode_sid(std::string_view s, std::string& out) {
  if (s.size() < 5 || s.substr(0, 2) != "S-") return false;
  s.remove_prefix(2);
  std::vector<uint64_t> parts;
  while (true) {
    size_t dash = s.find('-');
    uint64_t v;
    if (!parse_dec(s.substr(0, dash), v)) return false;
    parts.push_back(v);
    if (dash == std::string_view::npos) break;
    s.remove_prefix(dash + 1);
  }
  if (parts.size() < 2 || parts.size() - 2 > 15 || parts[0] > 255 || parts[1] > 0xffffffffffffull) return false;
  out += static_cast<char>(parts[0]);
  out += static_cast<char>(parts.size() - 2);
  for (int i = 5; i >= 0; --i) out += static_cast<char>((parts[1] >> (8 * i)) & 0xff);
  for (size_t i = 2; i < parts.size(); ++i) {
    if (parts[i] > 0xffffffffull) return false;
    put_le(out, parts[i], 4);
  }
  return true;
}

bool encode_binary(std::string_view s, std::string& out) {
  if (s.size() % 2 != 0) return false;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = hex_nibble(s[i]), lo = hex_nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

// Bytes of text as a value of type t (before the render check).
bool encode_raw(ValueType t, std::string_view text, std::string& out) {
  uint64_t u = 0;
  int64_t i = 0;
  switch (t) {
    case VT::UInt8:
      if (!parse_dec(text, u) || u > 0xff) return false;
      put_le(out, u, 1);
      return true;
    case VT::UInt16:
      if (!parse_dec(text, u) || u > 0xffff) return false;
      put_le(out, u, 2);
      return true;
    case VT::UInt32:
      if (!parse_dec(text, u) || u > 0xffffffffull) return false;
      put_le(out, u, 4);
      return true;
    case VT::UInt64:
      if (!parse_dec(text, u)) return false;
      put_le(out, u, 8);
      return true;
    case VT::Int8:
      if (!parse_sdec(text, i) || i < -128 || i > 127) return false;
      put_le(out, static_cast<uint64_t>(i), 1);
      return true;
    case VT::Int16:
      if (!parse_sdec(text, i) || i < -32768 || i > 32767) return false;
      put_le(out, static_cast<uint64_t>(i), 2);
      return true;
    case VT::Int32:
      if (!parse_sdec(text, i) || i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max())
        return false;
      put_le(out, static_cast<uint64_t>(i), 4);
      return true;
    case VT::Int64:
      if (!parse_sdec(text, i)) return false;
      put_le(out, static_cast<uint64_t>(i), 8);
      return true;
    case VT::HexInt32:
    case VT::HexInt64:
    case VT::SizeT: {
      if (text.size() < 3 || text[0] != '0' || text[1] != 'x') return false;
      if (!parse_hex_digits(text.substr(2), u)) return false;
      if (t == VT::HexInt32 && u > 0xffffffffull) return false;
      put_le(out, u, t == VT::HexInt32 ? 4 : 8);
      return true;
    }
    case VT::Bool:
      if (text == "true")
        put_le(out, 1, 4);
      else if (text == "false")
        put_le(out, 0, 4);
      else
        return false;
      return true;
    case VT::Guid: return encode_guid(text, out);
    case VT::Sid: return encode_sid(text, out);
    case VT::Binary: return encode_binary(text, out);
    case VT::FileTime: {
      uint64_t ft;
      if (!parse_iso_filetime(text, ft)) return false;
      put_le(out, ft, 8);
      return true;
    }
    default: return false;
  }
}

}  // namespace

ValueType system_value_type(std::string_view element, std::string_view attribute) {
  for (const SystemEntry& e : kSystem)
    if (element == e.element && attribute == e.attribute) return e.type;
  return VT::String;
}

ValueType data_value_type(std::string_view provider, uint16_t event_id, std::string_view name) {
  if (name == "Binary") return VT::Binary;  // classic events: <Binary> under EventData
  const auto& t = data_table();
  auto it = t.find(data_key(provider, event_id, name));
  if (it != t.end()) return it->second;
  if (provider == kSysmon) return by_name(kSysmonFields, name);
  if (provider == kSecurity) return by_name(kSecurityFields, name);
  return VT::String;
}

EncodedValue encode_value(ValueType wanted, std::string_view text) {
  EncodedValue v;
  v.declared = wanted;
  if (text.empty()) {
    v.type = VT::String;
    return v;
  }
  if (wanted != VT::String) {
    std::string bytes;
    if (encode_raw(wanted, text, bytes)) {
      // SizeT: the template says SizeT, the value is a 64-bit hex integer.
      ValueType stored = wanted == VT::SizeT ? VT::HexInt64 : wanted;
      RawValue raw{static_cast<uint8_t>(stored), static_cast<uint32_t>(bytes.size()),
                   reinterpret_cast<const uint8_t*>(bytes.data())};
      std::string rendered;
      append_value_text(rendered, raw);
      if (rendered == text || stored == VT::FileTime) {
        v.type = stored;
        v.bytes = std::move(bytes);
        return v;
      }
    }
  }
  v.declared = VT::String;
  v.type = VT::String;
  text::append_utf16le(v.bytes, text);
  return v;
}

bool parse_iso_filetime(std::string_view s, uint64_t& ft) {
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (size_t k = pos; k < pos + len; ++k)
      if (s[k] < '0' || s[k] > '9') return false;
    std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec))
    return false;
  if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return false;
  size_t pos = 19;
  uint64_t frac = 0;
  int digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 7)
        frac = frac * 10 + uint64_t(s[pos] - '0');
      else if (s[pos] != '0')
        return false;  // finer than 100 ns
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return false;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return false;
  for (int k = digits; k < 7; ++k) frac *= 10;
  // days from civil (proleptic Gregorian)
  int yy = y - (mo <= 2);
  int era = yy / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153u * static_cast<unsigned>(mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t(era) * 146097 + int64_t(doe) - 719468;  // since 1970-01-01
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec + 11644473600ll;
  if (secs < 0) return false;
  ft = static_cast<uint64_t>(secs) * 10000000ull + frac;
  // Reject dates that do not exist (Feb 30): they would render differently.
  return filetime_iso(ft, 0).substr(0, 19) == s.substr(0, 19);
}

}  // namespace evtx
