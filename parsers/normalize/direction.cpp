#include "normalize/direction.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace norm {
namespace {

// How far apart the two records of one connection may be timed.
constexpr Ticks kPeerWindow = 10 * kTicksPerSecond;

constexpr int64_t kDynamicPorts = 49152;

enum class Side : uint8_t { Undecided, Source, Destination };

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::string& text_or_empty(const FieldValue& v) {
  static const std::string empty;
  return v.known() ? v.s : empty;
}

int64_t port_or(const FieldValue& v) { return v.known() ? v.i : -1; }

// "Tcp|10.0.0.5|135|10.0.0.66|50123": a connection from the first endpoint to the second.
std::string connection_key(const FieldValue& proto, const FieldValue& from_ip, const FieldValue& from_port,
                           const FieldValue& to_ip, const FieldValue& to_port) {
  return text_or_empty(proto) + '|' + text_or_empty(from_ip) + '|' + std::to_string(port_or(from_port)) + '|' +
         text_or_empty(to_ip) + '|' + std::to_string(port_or(to_port));
}

bool own_candidate(const FieldValue& ip) { return ip.known() && address_kind(ip.s) == AddressKind::Unicast; }

struct HostEvidence {
  std::set<std::string> own_ips;
  std::map<std::string, std::vector<const NormalizedEvent*>> outbound;  // connection_key -> events
  std::set<std::pair<std::string, int64_t>> listening;                  // (process file name, local port)

  explicit HostEvidence(const std::vector<NormalizedEvent*>& events) {
    for (const NormalizedEvent* ev : events) {
      if (ev->table != Table::Network || ev->inbound.pending) continue;
      const FieldValue& action = (*ev)[Field::ActionType];
      if (own_candidate((*ev)[Field::LocalIP])) own_ips.insert((*ev)[Field::LocalIP].s);
      if (action.s == "ConnectionSuccess") {
        outbound[connection_key((*ev)[Field::Protocol], (*ev)[Field::LocalIP], (*ev)[Field::LocalPort],
                                (*ev)[Field::RemoteIP], (*ev)[Field::RemotePort])]
            .push_back(ev);
      } else if (action.s != kLocalPortBound) {
        add_listen(*ev);
      }
    }
  }

  void add_listen(const NormalizedEvent& ev) {
    const FieldValue& proc = ev[Field::InitiatingProcessFileName];
    const FieldValue& port = ev[Field::LocalPort];
    if (proc.known() && port.known()) listening.insert({lower(proc.s), port.i});
  }

  // An outbound connection of this host from `from` to `to` within the peer window.
  const NormalizedEvent* outbound_peer(const NormalizedEvent& ev, bool from_source) const {
    Field fi = from_source ? Field::LocalIP : Field::RemoteIP, fp = from_source ? Field::LocalPort : Field::RemotePort;
    Field ti = from_source ? Field::RemoteIP : Field::LocalIP, tp = from_source ? Field::RemotePort : Field::LocalPort;
    auto it = outbound.find(connection_key(ev[Field::Protocol], ev[fi], ev[fp], ev[ti], ev[tp]));
    if (it == outbound.end()) return nullptr;
    for (const NormalizedEvent* o : it->second)
      if (std::abs(o->timestamp() - ev.timestamp()) <= kPeerWindow) return o;
    return nullptr;
  }
};

// Evidence 1-4 of direction.h: the connection's own record and the host's.
Side strong_evidence(const NormalizedEvent& ev, const HostEvidence& host, std::string& why) {
  // Meanwhile Local* holds Source*, Remote* holds Destination*.
  const FieldValue& src_ip = ev[Field::LocalIP];
  const FieldValue& dst_ip = ev[Field::RemoteIP];
  bool src_group = src_ip.known() && is_group_address(src_ip.s);
  bool dst_group = dst_ip.known() && is_group_address(dst_ip.s);
  if (src_group != dst_group) {
    why = std::string(src_group ? "SourceIp" : "DestinationIp") +
          " is a multicast or broadcast address: the group that received it, never the sender";
    return src_group ? Side::Source : Side::Destination;
  }
  const NormalizedEvent* from_src = host.outbound_peer(ev, true);
  const NormalizedEvent* from_dst = host.outbound_peer(ev, false);
  if ((from_src != nullptr) != (from_dst != nullptr)) {
    const NormalizedEvent* peer = from_src ? from_src : from_dst;
    why = "the other side is this host's outbound connection " + record_ref(*peer);
    return from_src ? Side::Destination : Side::Source;
  }
  bool src_loopback = src_ip.known() && address_kind(src_ip.s) == AddressKind::Loopback;
  bool dst_loopback = dst_ip.known() && address_kind(dst_ip.s) == AddressKind::Loopback;
  bool src_named = ev.inbound.source_named_self && !src_loopback;
  bool dst_named = ev.inbound.dest_named_self && !dst_loopback;
  if (src_named != dst_named) {
    why = std::string(src_named ? "SourceHostname" : "DestinationHostname") + " is the Computer";
    return src_named ? Side::Source : Side::Destination;
  }
  bool src_own = src_ip.known() && host.own_ips.count(src_ip.s);
  bool dst_own = dst_ip.known() && host.own_ips.count(dst_ip.s);
  if (src_own != dst_own) {
    why = std::string(src_own ? "SourceIp" : "DestinationIp") +
          " is an address of this host (seen as local in its other connections)";
    return src_own ? Side::Source : Side::Destination;
  }
  return Side::Undecided;
}

// Evidence 6-7: ports.
Side port_evidence(const NormalizedEvent& ev, const HostEvidence& host, std::string& why) {
  std::string proc = lower(text_or_empty(ev[Field::InitiatingProcessFileName]));
  int64_t src_port = port_or(ev[Field::LocalPort]), dst_port = port_or(ev[Field::RemotePort]);
  bool src_listens = host.listening.count({proc, src_port}) > 0;
  bool dst_listens = host.listening.count({proc, dst_port}) > 0;
  if (src_listens != dst_listens) {
    why = std::string("the process listens on ") + (src_listens ? "SourcePort" : "DestinationPort");
    return src_listens ? Side::Source : Side::Destination;
  }
  if (dst_port >= 0 && dst_port < 1024 && src_port >= 1024) {
    why = "DestinationPort is a service port, SourcePort an ephemeral one";
    return Side::Destination;
  }
  if (src_port >= 0 && src_port < 1024 && dst_port >= 1024) {
    why = "SourcePort is a service port, DestinationPort an ephemeral one";
    return Side::Source;
  }
  // Windows (since Vista) takes client ports from the dynamic range 49152-65535.
  bool src_dynamic = src_port >= kDynamicPorts, dst_dynamic = dst_port >= kDynamicPorts;
  if (src_port >= 0 && dst_port >= 0 && src_dynamic != dst_dynamic) {
    why = std::string(src_dynamic ? "SourcePort" : "DestinationPort") + " is in the dynamic (client) port range, " +
          (src_dynamic ? "DestinationPort" : "SourcePort") + " is not";
    return src_dynamic ? Side::Destination : Side::Source;
  }
  return Side::Undecided;
}

void decide(NormalizedEvent& ev, Side side, std::string why) {
  if (side == Side::Destination) swap_endpoints(ev);
  ev.inbound.pending = false;
  ev.direction_evidence = std::move(why);
}

// Per Sysmon log and protocol (old Sysmon wrote TCP with the local endpoint
// as Source but a unicast UDP datagram as it travelled: DE_sysmon-3-rdp-tun
// #1940932): how many inbound connections strong evidence decided each way.
struct Layout {
  size_t source_local = 0, destination_local = 0;
};

std::string layout_key(const NormalizedEvent& ev, bool whole_host) {
  return (whole_host ? std::string("*") : text_or_empty(ev[Field::SourceFile])) + '|' +
         text_or_empty(ev[Field::Protocol]);
}

// The one side a layout puts the local endpoint on, if it is one.
Side layout_side(const Layout& l) {
  if ((l.source_local == 0) == (l.destination_local == 0)) return Side::Undecided;
  return l.source_local ? Side::Source : Side::Destination;
}

}  // namespace

void resolve_directions(std::vector<NormalizedEvent*>& events) {
  HostEvidence host(events);
  std::map<std::string, Layout> layouts;  // by layout_key
  std::vector<NormalizedEvent*> open;
  for (NormalizedEvent* ev : events) {
    if (ev->table != Table::Network || !ev->inbound.pending) continue;
    std::string why;
    Side side = strong_evidence(*ev, host, why);
    if (side == Side::Undecided) {
      open.push_back(ev);
      continue;
    }
    for (bool whole_host : {false, true}) {
      Layout& l = layouts[layout_key(*ev, whole_host)];
      ++(side == Side::Source ? l.source_local : l.destination_local);
    }
    decide(*ev, side, std::move(why));
    host.add_listen(*ev);
  }
  for (NormalizedEvent* ev : open) {
    std::string why;
    Side side = Side::Undecided;
    for (bool whole_host : {false, true}) {
      const Layout& l = layouts[layout_key(*ev, whole_host)];
      side = layout_side(l);
      if (side == Side::Undecided) continue;
      why = std::string(whole_host ? "this host's Sysmon logs write" : "this log writes") +
            " the local endpoint as " + (side == Side::Source ? "Source" : "Destination") + " (" +
            std::to_string(l.source_local + l.destination_local) + " of its inbound " +
            text_or_empty((*ev)[Field::Protocol]) + " connections decided by evidence)";
      break;
    }
    if (side == Side::Undecided) side = port_evidence(*ev, host, why);
    if (side == Side::Undecided) {
      decide(*ev, Side::Source, "undecided: no evidence; Source taken as local");
    } else {
      decide(*ev, side, std::move(why));
    }
  }
}

}  // namespace norm
