#include "logons/logon_events.h"

#include "normalize/logon_failure.h"
#include "normalize/mapping_util.h"
#include "normalize/normalized_event.h"
#include "normalize/record_access.h"

namespace logons {
namespace {

constexpr std::string_view kLocalSessionManager = "Microsoft-Windows-TerminalServices-LocalSessionManager";
constexpr std::string_view kRemoteConnectionManager = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";

// A field's text; "" when absent or a placeholder ("-").
std::string text(const FieldLookup& field, std::string_view name) {
  const evtx::RawValue* v = field(name);
  if (!v) return {};
  std::string s = normalize::value_text(*v);
  return normalize::is_placeholder(s) ? std::string() : s;
}

std::optional<int64_t> integer(const FieldLookup& field, std::string_view name) {
  const evtx::RawValue* v = field(name);
  return v ? normalize::value_integer(*v) : std::nullopt;
}

std::string account(std::string domain, const std::string& name) {
  if (name.empty()) return {};
  // A Kerberos principal (user@REALM) names its realm already.
  if (domain.empty() || name.find('@') != std::string::npos) return name;
  return domain + "\\" + name;
}

// Canonical, and an IPv4-mapped IPv6 address (Kerberos events: ::ffff:10.0.0.5)
// as the IPv4 address other events write; Remote Desktop's "LOCAL" (a console
// session) is no address.
std::string address(std::string ip) {
  if (ip.empty() || ip == "LOCAL") return {};
  std::string c = normalize::canonical_ip(ip);
  if (c.rfind("::ffff:", 0) == 0 && c.find('.') != std::string::npos) return c.substr(7);
  return c;
}

std::string logon_type(const FieldLookup& field) {
  auto t = integer(field, "LogonType");
  return t ? normalize::logon_type_name(*t) : std::string();
}

// The Target account and how it logged on (4624, 4625).
void logon_attempt(const FieldLookup& field, LogonFacts& f) {
  f.account = account(text(field, "TargetDomainName"), text(field, "TargetUserName"));
  f.logon_type = logon_type(field);
  f.source_ip = address(text(field, "IpAddress"));
  f.workstation = text(field, "WorkstationName");
  f.auth_package = text(field, "AuthenticationPackageName");
}

// A Kerberos event's outcome: Status 0x0 is success.
void kerberos_status(const FieldLookup& field, LogonFacts& f) {
  auto status = integer(field, "Status");
  if (status && *status != 0) {
    f.result = Result::Failure;
    f.failure_reason = normalize::kerberos_reason(static_cast<uint32_t>(*status));
  }
}

std::optional<LogonFacts> security(uint16_t id, const FieldLookup& field) {
  LogonFacts f;
  switch (id) {
    case 4624:
      f.action = "Logon";
      logon_attempt(field, f);
      return f;
    case 4625:
      f.action = "LogonFailed";
      f.result = Result::Failure;
      logon_attempt(field, f);
      f.failure_reason =
          normalize::logon_failure_reason(integer(field, "Status"), integer(field, "SubStatus")).value_or("");
      return f;
    case 4634:
    case 4647:
      f.action = id == 4634 ? "Logoff" : "LogoffByUser";
      f.result = Result::SessionEnd;
      f.account = account(text(field, "TargetDomainName"), text(field, "TargetUserName"));
      f.logon_type = logon_type(field);
      return f;
    case 4648:
      // The Subject used the Target account's credentials to reach
      // TargetServerName; IpAddress is that server's address, not a client's.
      f.action = "ExplicitCredentials";
      f.account = account(text(field, "TargetDomainName"), text(field, "TargetUserName"));
      f.target = text(field, "TargetServerName");
      if (std::string ip = address(text(field, "IpAddress")); !ip.empty() && ip != f.target)
        f.target = f.target.empty() ? ip : f.target + " (" + ip + ")";
      if (std::string by = account(text(field, "SubjectDomainName"), text(field, "SubjectUserName")); !by.empty())
        f.target += (f.target.empty() ? "by " : " by ") + by;
      return f;
    case 4672:
      f.action = "AdminLogon";  // special privileges assigned to a new logon
      f.account = account(text(field, "SubjectDomainName"), text(field, "SubjectUserName"));
      return f;
    case 4768:
    case 4769:
      f.action = id == 4768 ? "KerberosTGT" : "KerberosServiceTicket";
      f.account = account(text(field, "TargetDomainName"), text(field, "TargetUserName"));
      f.source_ip = address(text(field, "IpAddress"));
      f.auth_package = "Kerberos";
      f.target = text(field, "ServiceName");
      kerberos_status(field, f);
      return f;
    case 4771:
      f.action = "KerberosPreAuthFailed";
      f.result = Result::Failure;
      f.account = text(field, "TargetUserName");
      f.source_ip = address(text(field, "IpAddress"));
      f.auth_package = "Kerberos";
      f.target = text(field, "ServiceName");
      if (auto status = integer(field, "Status"))
        f.failure_reason = normalize::kerberos_reason(static_cast<uint32_t>(*status));
      return f;
    case 4776: {
      f.action = "NtlmValidation";  // credentials validated by this computer (a DC, or the SAM)
      f.account = text(field, "TargetUserName");
      f.workstation = text(field, "Workstation");
      f.auth_package = "NTLM";
      auto status = integer(field, "Status");
      if (status && *status != 0) {
        f.result = Result::Failure;
        f.failure_reason = normalize::ntstatus_reason(static_cast<uint32_t>(*status));
      }
      return f;
    }
    default: return std::nullopt;
  }
}

// LocalSessionManager's UserData: User (DOMAIN\name), SessionID, Address
// ("LOCAL" for the console).
std::optional<LogonFacts> local_session_manager(uint16_t id, const FieldLookup& field) {
  LogonFacts f;
  switch (id) {
    case 21: f.action = "RdpLogon"; break;
    case 22: f.action = "RdpShellStart"; break;
    case 23:
      f.action = "RdpLogoff";
      f.result = Result::SessionEnd;
      break;
    case 24:
      f.action = "RdpDisconnect";
      f.result = Result::SessionEnd;
      break;
    case 25: f.action = "RdpReconnect"; break;
    default: return std::nullopt;
  }
  f.account = text(field, "User");
  f.source_ip = address(text(field, "Address"));
  return f;
}

}  // namespace

const char* result_name(Result r) {
  switch (r) {
    case Result::Success: return "success";
    case Result::Failure: return "failure";
    case Result::SessionEnd: return "end";
  }
  return "";
}

bool is_logon_event(std::string_view provider, uint16_t id) {
  if (provider == normalize::kSecurityProvider)
    return id == 4624 || id == 4625 || id == 4634 || id == 4647 || id == 4648 || id == 4672 || id == 4768 ||
           id == 4769 || id == 4771 || id == 4776;
  if (provider == kLocalSessionManager) return id >= 21 && id <= 25;
  return provider == kRemoteConnectionManager && id == 1149;
}

std::optional<LogonFacts> logon_facts(std::string_view provider, uint16_t id, const FieldLookup& field) {
  if (!is_logon_event(provider, id)) return std::nullopt;
  if (provider == normalize::kSecurityProvider) return security(id, field);
  if (provider == kLocalSessionManager) return local_session_manager(id, field);
  // RemoteConnectionManager 1149: a Remote Desktop client authenticated at
  // the network level (Param1 user, Param2 domain, Param3 client address).
  LogonFacts f;
  f.action = "RdpAuthenticated";
  f.account = account(text(field, "Param2"), text(field, "Param1"));
  f.source_ip = address(text(field, "Param3"));
  return f;
}

}  // namespace logons
