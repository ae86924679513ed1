// Why a logon failed, in words, from the codes Windows logs: the NTSTATUS of
// a 4625 (Status, SubStatus) or 4776 (Status), and the Kerberos error code of
// a 4768 / 4769 / 4771 (Status). Names follow Microsoft's auditing pages
// (event-4625 "Windows logon status codes", event-4771 / event-4768
// "Kerberos ticket / pre-authentication error codes").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace normalize {

// An NTSTATUS code's reason ("Wrong password"); "Status 0xc0000abc" when the
// table has none.
std::string ntstatus_reason(uint32_t status);
// A Kerberos error code's reason ("Pre-authentication failed (wrong
// password)"); "Kerberos error 0x1b" when the table has none.
std::string kerberos_reason(uint32_t code);
// A 4625's reason: its SubStatus where that says more (non-zero), else its
// Status; nullopt when neither is logged.
std::optional<std::string> logon_failure_reason(std::optional<int64_t> status, std::optional<int64_t> sub_status);

}  // namespace normalize
