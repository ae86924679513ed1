// What each logon-related record says, in one shape: which account, from
// where (address, workstation), how (logon type, authentication package),
// for what (a server or service the credentials were used for) and how it
// ended (success, failure with its reason, or a session's end). Read from the
// record's own fields; the events and their field names are those of
// Microsoft's auditing and Remote Desktop Services pages, checked on the
// shared corpus's records (tests/test_logons_cli.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "evtx/value.h"

namespace logons {

enum class Result : uint8_t { Success, Failure, SessionEnd };
const char* result_name(Result r);  // "success", "failure", "end"

struct LogonFacts {
  const char* action = "";  // "Logon", "LogonFailed", "KerberosTGT", "RdpLogon", ...
  Result result = Result::Success;
  std::string account;       // DOMAIN\name, or name when no domain is logged
  std::string logon_type;    // Defender's names ("Network"); "" when not logged
  std::string source_ip;     // canonical; an IPv4-mapped IPv6 address as IPv4
  std::string workstation;   // the client's name as logged
  std::string auth_package;  // "NTLM", "Kerberos", "Negotiate", ...
  std::string target;        // 4648: the server the credentials were used for; 4768/4769: the service
  std::string failure_reason;
};

// Whether the logon summary reads records of this provider and event id.
bool is_logon_event(std::string_view provider, uint16_t event_id);

// A record's data field by name (null when absent).
using FieldLookup = std::function<const evtx::RawValue*(std::string_view name)>;

// The facts of a record of a logon event (is_logon_event); nullopt otherwise.
std::optional<LogonFacts> logon_facts(std::string_view provider, uint16_t event_id, const FieldLookup& field);

}  // namespace logons
