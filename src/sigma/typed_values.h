// The typed readings of a record's text that Sigma's non-string modifiers
// compare: integers (|lt |gt ...), parts of a date (|minute |week ...), and
// IP networks (|cidr).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sigma/sigma_rule.h"

namespace sigma {

// A whole text as an integer (decimal, 0x hex or 0 octal, as strtoll); nullopt otherwise.
std::optional<int64_t> parse_number(std::string_view s);

// A part of a date written "YYYY-MM-DD hh:mm:ss..." or "YYYY-MM-DDThh:mm:ss..."
// (Sysmon's UtcTime, SystemTime); week is the ISO 8601 week number.
std::optional<int64_t> date_part(std::string_view s, FieldTest::TimePart part);

struct Network {
  int family = 0;  // AF_INET or AF_INET6
  unsigned char addr[16] = {};
  int bits = 0;
  // Whether an address (text; an IPv6 zone is ignored, an IPv4-mapped IPv6
  // address is its IPv4 address) is in the network.
  bool contains(std::string_view ip_text) const;
};

// "10.0.0.0/8", "fe80::/10", or one address; nullopt when not one.
std::optional<Network> parse_network(const std::string& s);

}  // namespace sigma
