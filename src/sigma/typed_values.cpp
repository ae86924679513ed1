#include "sigma/typed_values.h"

#include <arpa/inet.h>
#include <strings.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace sigma {

std::optional<int64_t> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(t.c_str(), &end, 0);
  if (errno || end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

bool Network::contains(std::string_view ip_text) const {
  std::string ip(ip_text.substr(0, ip_text.find('%')));
  // An IPv4-mapped IPv6 address (Security logs write "::ffff:10.0.0.1") is that IPv4 address.
  if (family == AF_INET && ip.size() > 7 && strncasecmp(ip.c_str(), "::ffff:", 7) == 0 &&
      ip.find('.') != std::string::npos)
    ip = ip.substr(7);
  unsigned char a[16] = {};
  if (inet_pton(family, ip.c_str(), a) != 1) return false;
  int full = bits / 8, rest = bits % 8;
  if (std::memcmp(a, addr, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[full] & mask) == (addr[full] & mask);
}

std::optional<Network> parse_network(const std::string& s) {
  Network n;
  size_t slash = s.find('/');
  std::string ip = s.substr(0, slash);
  n.family = ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(n.family, ip.c_str(), n.addr) != 1) return std::nullopt;
  int max = n.family == AF_INET ? 32 : 128;
  n.bits = max;
  if (slash != std::string::npos) {
    auto b = parse_number(s.substr(slash + 1));
    if (!b || *b < 0 || *b > max) return std::nullopt;
    n.bits = static_cast<int>(*b);
  }
  return n;
}

std::optional<int64_t> date_part(std::string_view s, FieldTest::TimePart part) {
  auto num = [&](size_t at, size_t len) -> std::optional<int> {
    if (s.size() < at + len) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  std::optional<int> y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-' || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) return std::nullopt;
  using P = FieldTest::TimePart;
  switch (part) {
    case P::Year: return *y;
    case P::Month: return *mo;
    case P::Day: return *d;
    case P::Hour:
      if (!h || *h > 23) return std::nullopt;
      return *h;
    case P::Minute:
      if (!mi || *mi > 59) return std::nullopt;
      return *mi;
    case P::Week: {
      std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*mo)),
                                      std::chrono::day(static_cast<unsigned>(*d))};
      if (!ymd.ok()) return std::nullopt;
      std::chrono::sys_days day(ymd);
      unsigned wd = std::chrono::weekday(day).iso_encoding();                              // Monday 1 .. Sunday 7
      std::chrono::sys_days thursday = day + std::chrono::days(4 - static_cast<int>(wd));  // decides the ISO year
      std::chrono::year iso_year = std::chrono::year_month_day(thursday).year();
      std::chrono::sys_days jan1(iso_year / std::chrono::January / 1);
      return (thursday - jan1).count() / 7 + 1;
    }
    case P::None: break;
  }
  return std::nullopt;
}

}  // namespace sigma
