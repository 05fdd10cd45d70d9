// The exception path's kernel side (VPP's linux-cp, router.hpp
// set_port_exception): a frame the kernel wrote into a port's tap leaves by
// that port as written, unless it is IPv4 to a destination the FTN holds:
// then it leaves labelled, by the FTN's NHLFE (ECMP by a hash of the
// addresses, protocol and ports; LFA when the port is down).
#include "dataplane/router.hpp"

namespace l2vpn::dp {

namespace {
// An IPv4 flow's hash for ECMP: addresses, protocol and, for an unfragmented
// TCP/UDP/SCTP packet, its ports.
uint32_t ipv4_flow_hash(const uint8_t* ip, uint32_t len) {
  uint32_t h = load_be32(ip + 12) * 0x9e3779b1u ^ load_be32(ip + 16);
  h ^= uint32_t(ip[9]) << 16;
  const uint32_t ihl = uint32_t(ip[0] & 0x0f) * 4;
  const bool fragment = (load_be16(ip + 6) & 0x3fff) != 0;
  if (!fragment && (ip[9] == 6 || ip[9] == 17 || ip[9] == 132) && len >= ihl + 4)
    h ^= load_be32(ip + ihl) * 0x85ebca6bu;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  return h ^ (h >> 12);
}
}  // namespace

void Router::tap_input(const Tables& t, Worker& w, uint16_t tap, uint16_t phy, rte_mbuf* m) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t len = m->data_len;
  if (len < kEtherHeaderLen + 20 || load_be16(p + 12) != kEtherTypeIpv4 || (p[kEtherHeaderLen] >> 4) != 4)
    return send(w, phy, m);  // ARP, the IGP's multicast, anything not IPv4: as the kernel wrote it
  const uint8_t* ip = p + kEtherHeaderLen;
  const uint32_t slot = t.ftn_lookup(load_be32(ip + 16));
  if (!slot) return send(w, phy, m);  // no LSP to there: routed by the kernel, unlabelled
  uint32_t index = ilm_index(slot);
  if (ilm_kind(slot) == IlmKind::ecmp) {
    const CompiledEcmp& g = t.ecmp_groups[index];
    index = g.nhlfe[ecmp_mix(ipv4_flow_hash(ip, len - kEtherHeaderLen), t.ecmp_seed) % g.n];
  }
  const CompiledNhlfe* nh = usable_nhlfe(t, w, index);
  if (!nh) return drop(w, m, DropReason::port_down);
  L2VPN_TRACE(w, m, TraceStage::nhlfe, nh->op, nh - t.nhlfes.data(), 0);
  // The kernel originated or routed the packet (its TTL already accounts for
  // that hop): the labels start with the IP TTL (RFC 3443 uniform), or 255.
  const uint8_t ttl = ip[8];
  if (ttl == 0) return drop(w, m, DropReason::ttl_expired);
  const uint32_t push = kMplsLseLen * nh->n_labels;
  if (rte_pktmbuf_pkt_len(m) + push - kEtherHeaderLen > t.ports[nh->out_port].mtu)
    return drop(w, m, DropReason::mtu_exceeded);
  const uint8_t tc = nh->tc_set ? nh->tc : uint8_t(ip[1] >> 5);  // DSCP's class selector bits
  uint8_t* h = p;
  if (push) {
    h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, uint16_t(push)));
    if (!h) return drop(w, m, DropReason::no_headroom);
  }
  std::memcpy(h, nh->l2, 12);
  store_be16(h + 12, push ? kEtherTypeMpls : kEtherTypeIpv4);
  uint8_t* q = h + kEtherHeaderLen;
  for (unsigned i = 0; i < nh->n_labels; ++i, q += kMplsLseLen)
    store_be32(q, nh->labels[i] | uint32_t(tc) << 9 | uint32_t(i + 1 == nh->n_labels) << 8 |
                      (nh->ttl_pipe ? 255u : ttl));
  ++w.ports[tap].ftn_labelled;
  send(w, nh->out_port, m);
}

}  // namespace l2vpn::dp
