#include "normalize/direction.h"

#include <cctype>
#include <cstdlib>

#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"
#include "text/ascii_case.h"

namespace normalize {
namespace {

// How far apart the two records of one connection may be written.
constexpr Ticks kPeerWindow = 10 * kTicksPerSecond;
constexpr int64_t kDynamicPorts = 49152;

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

bool pending_inbound(const NormalizedEvent& ev) { return ev.table == Table::Network && ev.inbound.pending; }

bool is_loopback(const FieldValue& ip) { return ip.known() && address_kind(ip.s) == AddressKind::Loopback; }

// Layouts: per Sysmon log and protocol, and for all of the host's logs.
std::string layout_key(const NormalizedEvent& ev, bool whole_host) {
  return (whole_host ? std::string("*") : text_or_empty(ev[Field::SourceFile])) + '|' +
         text_or_empty(ev[Field::Protocol]);
}

}  // namespace

void DirectionResolver::observe(const NormalizedEvent& ev) {
  if (ev.table != Table::Network || ev.inbound.pending) return;
  const FieldValue& local = ev[Field::LocalIP];
  if (local.known() && address_kind(local.s) == AddressKind::Unicast) own_ips_.insert(local.s);
  const std::string& action = text_or_empty(ev[Field::ActionType]);
  if (action == kConnectionSuccess) {
    // Only connections to itself can have their other side in this host's logs.
    const FieldValue& remote = ev[Field::RemoteIP];
    if (is_loopback(remote) || (remote.known() && local.known() && remote.s == local.s))
      self_outbound_[connection_key(ev[Field::Protocol], local, ev[Field::LocalPort], remote, ev[Field::RemotePort])]
          .push_back({ev.time_created, record_ref(ev)});
  } else if (action != kLocalPortBound) {
    add_listen(ev, true);
  }
}

void DirectionResolver::add_listen(const NormalizedEvent& ev, bool source_local) {
  // Before a decision Local* holds Source*, Remote* Destination*.
  const FieldValue& proc = ev[Field::InitiatingProcessFileName];
  const FieldValue& port = ev[source_local ? Field::LocalPort : Field::RemotePort];
  if (proc.known() && port.known()) listening_.insert({text::lowered(proc.s), port.i});
}

const DirectionResolver::Outbound* DirectionResolver::outbound_peer(const NormalizedEvent& ev, bool from_source) const {
  Field fi = from_source ? Field::LocalIP : Field::RemoteIP, fp = from_source ? Field::LocalPort : Field::RemotePort;
  Field ti = from_source ? Field::RemoteIP : Field::LocalIP, tp = from_source ? Field::RemotePort : Field::LocalPort;
  auto it = self_outbound_.find(connection_key(ev[Field::Protocol], ev[fi], ev[fp], ev[ti], ev[tp]));
  if (it == self_outbound_.end()) return nullptr;
  for (const Outbound& o : it->second)
    if (std::abs(o.written - ev.time_created) <= kPeerWindow) return &o;
  return nullptr;
}

DirectionResolver::Side DirectionResolver::strong_evidence(const NormalizedEvent& ev, std::string& why) const {
  const FieldValue& src_ip = ev[Field::LocalIP];
  const FieldValue& dst_ip = ev[Field::RemoteIP];
  bool src_group = src_ip.known() && is_group_address(src_ip.s);
  bool dst_group = dst_ip.known() && is_group_address(dst_ip.s);
  if (src_group != dst_group) {
    why = std::string(src_group ? "SourceIp" : "DestinationIp") +
          " is a multicast or broadcast address: the group that received it, never the sender";
    return src_group ? Side::Source : Side::Destination;
  }
  const Outbound* from_src = outbound_peer(ev, true);
  const Outbound* from_dst = outbound_peer(ev, false);
  if ((from_src != nullptr) != (from_dst != nullptr)) {
    why = "the other side is this host's outbound connection " + (from_src ? from_src : from_dst)->record;
    return from_src ? Side::Destination : Side::Source;
  }
  bool src_named = ev.inbound.source_named_self && !is_loopback(src_ip);
  bool dst_named = ev.inbound.dest_named_self && !is_loopback(dst_ip);
  if (src_named != dst_named) {
    why = std::string(src_named ? "SourceHostname" : "DestinationHostname") + " is the Computer";
    return src_named ? Side::Source : Side::Destination;
  }
  bool src_own = src_ip.known() && own_ips_.count(src_ip.s);
  bool dst_own = dst_ip.known() && own_ips_.count(dst_ip.s);
  if (src_own != dst_own) {
    why = std::string(src_own ? "SourceIp" : "DestinationIp") +
          " is an address of this host (seen as local in its other connections)";
    return src_own ? Side::Source : Side::Destination;
  }
  return Side::Undecided;
}

void DirectionResolver::learn_layout(const NormalizedEvent& ev) {
  if (!pending_inbound(ev)) return;
  std::string why;
  Side side = strong_evidence(ev, why);
  if (side == Side::Undecided) return;
  for (bool whole_host : {false, true}) {
    Layout& l = layouts_[layout_key(ev, whole_host)];
    ++(side == Side::Source ? l.source_local : l.destination_local);
  }
  add_listen(ev, side == Side::Source);
}

DirectionResolver::Side DirectionResolver::layout_evidence(const NormalizedEvent& ev, std::string& why) const {
  for (bool whole_host : {false, true}) {
    auto it = layouts_.find(layout_key(ev, whole_host));
    if (it == layouts_.end()) continue;
    const Layout& l = it->second;
    if ((l.source_local == 0) == (l.destination_local == 0)) continue;
    Side side = l.source_local ? Side::Source : Side::Destination;
    why = std::string(whole_host ? "this host's Sysmon logs write" : "this log writes") + " the local endpoint as " +
          (side == Side::Source ? "Source" : "Destination") + " (" +
          std::to_string(l.source_local + l.destination_local) + " of its inbound " +
          text_or_empty(ev[Field::Protocol]) + " connections decided by evidence)";
    return side;
  }
  return Side::Undecided;
}

DirectionResolver::Side DirectionResolver::port_evidence(const NormalizedEvent& ev, std::string& why) const {
  std::string proc = text::lowered(text_or_empty(ev[Field::InitiatingProcessFileName]));
  int64_t src_port = port_or(ev[Field::LocalPort]), dst_port = port_or(ev[Field::RemotePort]);
  bool src_listens = listening_.count({proc, src_port}) > 0;
  bool dst_listens = listening_.count({proc, dst_port}) > 0;
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

void DirectionResolver::decide(NormalizedEvent& ev) const {
  if (!pending_inbound(ev)) return;
  std::string why;
  Side side = strong_evidence(ev, why);
  if (side == Side::Undecided) side = layout_evidence(ev, why);
  if (side == Side::Undecided) side = port_evidence(ev, why);
  if (side == Side::Undecided) why = "undecided: no evidence; Source taken as local";
  if (side == Side::Destination) swap_endpoints(ev);
  ev.inbound.pending = false;
  ev.direction_evidence = std::move(why);
}

}  // namespace normalize
