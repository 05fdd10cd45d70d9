// AC → PW (RFC 4448): match the attachment circuit by (port, outer VLAN),
// strip the service-delimiting tag in raw mode; a VPLS AC hands the frame to
// the bridge (bridge.cpp); a VPWS AC goes to pw_output(), which the bridge
// also uses to send over a PW: check the PW MTU, then push
// the optional control word, the optional flow label (RFC 6391), the PW
// label and the transport labels, and a MAC header toward the next hop.
#include "dataplane/router.hpp"

namespace l2vpn::dp {

namespace {

uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x85ebca6bu;
  return h ^ (h >> 13);
}

// The ingress PE may look into the customer frame (a transit LSR never
// does): MACs, EtherType, and for IPv4 the addresses, protocol and ports.
uint32_t customer_flow_hash(const uint8_t* p, uint32_t len, const EthernetView& eth) {
  uint32_t h = 0x27d4eb2fu;
  h = mix(h, load_be32(p));
  h = mix(h, uint32_t(load_be16(p + 4)) << 16 | load_be16(p + 6));
  h = mix(h, load_be32(p + 8));
  h = mix(h, eth.ether_type);
  const uint32_t ip = eth.header_len;
  if (eth.ether_type == kEtherTypeIpv4 && len >= ip + 20) {
    const uint8_t* q = p + ip;
    h = mix(h, load_be32(q + 12));
    h = mix(h, load_be32(q + 16));
    h = mix(h, q[9]);
    const uint32_t ihl = (q[0] & 0xf) * 4u;
    if ((q[9] == 6 || q[9] == 17) && ihl >= 20 && len >= ip + ihl + 4) h = mix(h, load_be32(q + ihl));
  }
  return h;
}

}  // namespace

void Router::ac_input(const Tables& t, Worker& w, uint16_t in_port, rte_mbuf* m) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  EthernetView eth;
  switch (parse_ethernet(p, m->data_len, eth)) {
    case ParseResult::ok: break;
    case ParseResult::truncated: return drop(w, m, DropReason::truncated);
    case ParseResult::too_many_tags: return drop(w, m, DropReason::too_many_vlan_tags);
  }
  const CompiledPort& port = t.ports[in_port];
  uint32_t ac_index = kNone;
  if (eth.n_tags && !port.ac_by_vid.empty()) ac_index = port.ac_by_vid[eth.outer_vid()];
  if (ac_index == kNone) ac_index = port.port_based_ac;
  if (ac_index == kNone) return drop(w, m, DropReason::ac_miss);
  L2VPN_TRACE(w, m, TraceStage::ac_input, 0, ac_index, 0);
  const CompiledAc& ac = t.acs[ac_index];
  if (ac.pseudowire == kNone && ac.bridge_domain == kNone)
    return drop(w, m, DropReason::unsupported_action);
  if (ac.pseudowire != kNone && !t.pseudowires[ac.pseudowire].up)
    return drop(w, m, DropReason::pw_down);
  if (ac.tagged && eth.n_tags == 0) return drop(w, m, DropReason::ac_tag_missing);
  const uint8_t pcp = eth.n_tags ? eth.outer_pcp() : 0;
  if (!ac.tagged && ac.vlan != 0) {
    // Raw mode: the service-delimiting tag does not cross the PW (nor the bridge).
    std::memmove(p + kVlanTagLen, p, 12);
    p = reinterpret_cast<uint8_t*>(rte_pktmbuf_adj(m, kVlanTagLen));
    --eth.n_tags;
    eth.header_len = uint16_t(eth.header_len - kVlanTagLen);
    eth.dst = p;
    eth.src = p + 6;
  }
  if (ac.bridge_domain != kNone) return bridge_enqueue(t, w, m, ac.bridge_domain, ac.bd_member, pcp);
  pw_output(t, w, m, ac.pseudowire, pcp, p, m->data_len, eth);
}

void Router::pw_output(const Tables& t, Worker& w, rte_mbuf* m, uint32_t pw_index, uint8_t pcp,
                       const uint8_t* frame, uint32_t frame_contig, const EthernetView& eth) {
  const CompiledPseudowire& pw = t.pseudowires[pw_index];
  if (!pw.up) return drop(w, m, DropReason::pw_down);
  const uint32_t frame_len = rte_pktmbuf_pkt_len(m);
  if (frame_len - eth.header_len > pw.mtu) return drop(w, m, DropReason::pw_mtu_exceeded);

  uint32_t flow = 0;
  uint32_t nhlfe = pw.transport;
  if (pw.flow_label || pw.transport_kind == IlmKind::ecmp) {
    uint32_t h = customer_flow_hash(frame, frame_contig, eth);
    flow = kFirstUnreservedLabel + h % (kLabelSpace - kFirstUnreservedLabel);
    if (pw.transport_kind == IlmKind::ecmp) {
      const CompiledEcmp& g = t.ecmp_groups[pw.transport];
      nhlfe = g.nhlfe[ecmp_mix(mix(mix(0x9e3779b9u, pw.remote_label), flow), t.ecmp_seed) % g.n];
    }
  }
  // The primary's port is up almost always; usable_nhlfe() decides otherwise.
  const CompiledNhlfe* nh = &t.nhlfes[nhlfe];
  if (!port_up(nh->out_port)) [[unlikely]]
    nh = usable_nhlfe(t, w, nhlfe);
  if (!nh) return drop(w, m, DropReason::port_down);
  L2VPN_TRACE(w, m, TraceStage::pw_imposition, 0, pw_index, nh - t.nhlfes.data());

  const uint32_t head = uint32_t(kEtherHeaderLen + kMplsLseLen * (nh->n_labels + 1u + pw.flow_label) +
                                 (pw.control_word ? kControlWordLen : 0));
  if (frame_len + head - kEtherHeaderLen > t.ports[nh->out_port].mtu)
    return drop(w, m, DropReason::mtu_exceeded);
  uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, uint16_t(head)));
  if (!h) return drop(w, m, DropReason::no_headroom);

  std::memcpy(h, nh->l2, 12);
  store_be16(h + 12, kEtherTypeMpls);
  uint8_t* q = h + kEtherHeaderLen;
  const uint8_t tc = nh->tc_set ? nh->tc : pcp;
  // Ingress: nothing to copy a TTL from, so transport labels start at 255.
  for (unsigned i = 0; i < nh->n_labels; ++i, q += kMplsLseLen)
    store_be32(q, nh->labels[i] | uint32_t(tc) << 9 | 255u);
  store_be32(q, lse::make(pw.remote_label, tc, !pw.flow_label, 255));
  q += kMplsLseLen;
  if (pw.flow_label) {
    store_be32(q, lse::make(flow, 0, true, 0));  // RFC 6391: flow LSE TTL 0
    q += kMplsLseLen;
  }
  if (pw.control_word) {
    // RFC 4385: length is set only when payload + CW is under 64 bytes, so
    // the far end can strip Ethernet padding added on the way.
    const uint32_t l = frame_len + kControlWordLen;
    store_be32(q, cw::make(l < 64 ? uint8_t(l) : 0, 0));
  }
  auto& c = label_counter(w, pw.local_label);
  ++c.tx_packets;
  c.tx_bytes += frame_len;
  send(w, nh->out_port, m);
}

}  // namespace l2vpn::dp
