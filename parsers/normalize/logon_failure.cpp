#include "normalize/logon_failure.h"

#include <cstdio>

namespace normalize {
namespace {

struct Reason {
  uint32_t code;
  const char* text;
};

// Microsoft's event-4625 table of logon status codes (also 4776's).
constexpr Reason kNtStatus[] = {
    {0xC000005E, "No logon servers available"},
    {0xC0000064, "User name does not exist"},
    {0xC000006A, "Wrong password"},
    {0xC000006D, "Bad user name or authentication information"},
    {0xC000006E, "Unknown user name or bad password (account restriction)"},
    {0xC000006F, "Logon outside authorized hours"},
    {0xC0000070, "Logon from an unauthorized workstation"},
    {0xC0000071, "Password expired"},
    {0xC0000072, "Account disabled"},
    {0xC00000DC, "SAM server in the wrong state"},
    {0xC0000133, "Clocks of the DC and this computer too far apart"},
    {0xC000015B, "Logon type not granted on this computer"},
    {0xC000018C, "Trust relationship between the domains failed"},
    {0xC0000192, "Netlogon service not started"},
    {0xC0000193, "Account expired"},
    {0xC0000224, "Password must be changed at next logon"},
    {0xC0000225, "Windows error, not a risk"},
    {0xC0000234, "Account locked out"},
    {0xC00002EE, "An error occurred during logon"},
    {0xC0000371, "The local account store has no secret for the account"},
    {0xC0000413, "Authentication firewall: the account may not log on to this computer"},
};

// Kerberos error codes (RFC 4120) as Microsoft's event-4768 / event-4771 pages name them.
constexpr Reason kKerberos[] = {
    {0x6, "Client not found in Kerberos database (unknown user)"},
    {0x7, "Server not found in Kerberos database"},
    {0xC, "KDC policy rejects the request"},
    {0xE, "Encryption type not supported by the KDC"},
    {0x12, "Client credentials revoked (account disabled, expired or locked out)"},
    {0x17, "Password expired"},
    {0x18, "Pre-authentication failed (wrong password)"},
    {0x1F, "Integrity check on decrypted field failed"},
    {0x20, "Ticket expired"},
    {0x25, "Clock skew too great"},
};

template <size_t N>
std::string lookup(const Reason (&table)[N], uint32_t code, const char* unknown_format) {
  for (const Reason& r : table)
    if (r.code == code) return r.text;
  char buf[48];
  std::snprintf(buf, sizeof buf, unknown_format, code);
  return buf;
}

}  // namespace

std::string ntstatus_reason(uint32_t status) { return lookup(kNtStatus, status, "Status 0x%08x"); }

std::string kerberos_reason(uint32_t code) { return lookup(kKerberos, code, "Kerberos error 0x%x"); }

std::optional<std::string> logon_failure_reason(std::optional<int64_t> status, std::optional<int64_t> sub_status) {
  if (sub_status && *sub_status != 0) return ntstatus_reason(static_cast<uint32_t>(*sub_status));
  if (status) return ntstatus_reason(static_cast<uint32_t>(*status));
  return std::nullopt;
}

}  // namespace normalize
