// PW → AC (RFC 4448): the PW label (and flow label) must end the stack;
// check and strip the control word, remove padding the CW length reveals,
// then give the inner frame to its attachment circuit: raw mode adds the
// AC's VLAN tag, tagged mode rewrites the VID of the tag that crossed.
#include "dataplane/router.hpp"

namespace l2vpn::dp {

void Router::pw_disposition(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint8_t depth,
                            uint32_t pw_index, uint16_t popped_ttl) {
  const CompiledPseudowire& pw = t.pseudowires[pw_index];
  L2VPN_TRACE(w, m, TraceStage::pw_disposition, 0, pw_index, 0);
  auto& c = label_counter(w, pw.local_label);
  ++c.rx_packets;
  c.rx_bytes += rte_pktmbuf_pkt_len(m);
  if (depth != 1u + pw.flow_label) return drop(w, m, DropReason::pw_bad_stack);
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  // The PW label is a label like any other: TTL 0 or 1 has expired (and a
  // label popped above it counts, as for a swap). Its TC becomes the PCP
  // of a tag raw mode inserts (RFC 4448 leaves it to the PE; the TC is
  // the class the frame crossed with).
  const uint32_t pw_lse = load_be32(p + off);
  if (incoming_ttl(pw_lse, popped_ttl, false) <= 1) return drop(w, m, DropReason::ttl_expired);
  const uint8_t pcp = lse::tc(pw_lse);
  uint32_t payload = off + kMplsLseLen * depth;
  if (pw.control_word) {
    if (m->data_len < payload + kControlWordLen) return drop(w, m, DropReason::cw_invalid);
    const uint32_t word = load_be32(p + payload);
    // VCCV type 1: an ACH (first nibble 1) where the control word goes.
    if (!cw::valid(word)) return oam_or_drop(w, m, off, OamPuntReason::vccv, DropReason::cw_invalid);
    payload += kControlWordLen;
    if (uint8_t l = cw::length(word)) {
      // Length covers CW + frame; anything after it is padding.
      const uint32_t have = rte_pktmbuf_pkt_len(m) - payload + kControlWordLen;
      if (l > have) return drop(w, m, DropReason::cw_invalid);
      if (l < have) rte_pktmbuf_trim(m, uint16_t(have - l));
    }
  }
  if (m->data_len < payload + kEtherHeaderLen)
    return drop(w, m, DropReason::pw_payload_truncated);
  rte_pktmbuf_adj(m, uint16_t(payload));
  // VPLS: bridge it, learning against this PW (bridge.cpp).
  if (pw.bridge_domain != kNone) return bridge_enqueue(t, w, m, pw.bridge_domain, pw.bd_member, pcp);
  if (pw.ac == kNone) return drop(w, m, DropReason::unsupported_action);
  ac_output(t, w, m, pw.ac, pcp);
}

void Router::ac_output(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ac_index, uint8_t pcp) {
  const CompiledAc& ac = t.acs[ac_index];
  L2VPN_TRACE(w, m, TraceStage::ac_output, 0, ac_index, 0);
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  if (ac.tagged) {
    const uint16_t tpid = load_be16(p + 12);
    if (tpid != kEtherTypeVlan && tpid != kEtherTypeQinQ)
      return drop(w, m, DropReason::ac_tag_missing);
    if (ac.vlan) store_be16(p + 14, uint16_t((load_be16(p + 14) & 0xf000) | ac.vlan));
  } else if (ac.vlan) {
    uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVlanTagLen));
    if (!h) return drop(w, m, DropReason::no_headroom);
    std::memmove(h, p, 12);
    store_be16(h + 12, kEtherTypeVlan);
    store_be16(h + 14, uint16_t(uint16_t(pcp & 7) << 13 | ac.vlan));
    p = h;
  }
  EthernetView eth;
  if (parse_ethernet(p, m->data_len, eth) != ParseResult::ok)
    return drop(w, m, DropReason::pw_payload_truncated);
  if (rte_pktmbuf_pkt_len(m) - eth.header_len > t.ports[ac.port].mtu)
    return drop(w, m, DropReason::mtu_exceeded);
  send(w, ac.port, m);
}

}  // namespace l2vpn::dp
