// The LSR stage: ILM lookup on the top label, reserved labels, TTL, then
// swap / pop (PHP) / push per the NHLFE, ECMP and LFA choice, and the new
// MAC header toward the next hop.
#include "dataplane/router.hpp"

namespace l2vpn::dp {

void Router::mpls_input(const Tables& t, Worker& w, rte_mbuf* m) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t len = m->data_len;
  uint32_t off = kEtherHeaderLen;
  uint16_t popped_ttl = kNoPoppedTtl;  // lowest TTL of what was popped
  auto pop_ttl = [&popped_ttl](uint32_t entry) {
    if (lse::ttl(entry) < popped_ttl) popped_ttl = lse::ttl(entry);
  };
  // Each pass consumes one label at least, so the stack bound ends the loop.
  for (;;) {
    LabelStackView st;
    switch (parse_label_stack(p + off, len - off, kMaxStackDepth, st)) {
      case StackResult::ok: break;
      case StackResult::truncated: return drop(w, m, DropReason::truncated);
      case StackResult::too_deep: return drop(w, m, DropReason::label_stack_too_deep);
    }
    const uint32_t label = lse::label(st.top);
    if (label < kFirstUnreservedLabel) [[unlikely]] {
      switch (label) {
        case kLabelIpv4ExplicitNull:
        case kLabelIpv6ExplicitNull:
          // RFC 3032/4182: pop and process what is below.
          if (lse::bos(st.top))
            return oam_or_drop(w, m, off, OamPuntReason::local, DropReason::ip_payload_not_served);
          pop_ttl(st.top);
          off += kMplsLseLen;
          continue;
        case kLabelEntropyIndicator:
          // RFC 6790: the ELI is followed by the entropy label; pop both.
          if (lse::bos(st.top)) return drop(w, m, DropReason::bad_entropy_label);
          if (st.depth == 2)
            return oam_or_drop(w, m, off, OamPuntReason::local, DropReason::ip_payload_not_served);
          pop_ttl(st.top);  // the ELI's; the entropy label's TTL (0) is not a hop count
          off += 2 * kMplsLseLen;
          continue;
        case kLabelImplicitNull:
          return drop(w, m, DropReason::implicit_null_on_wire);
        default:
          return drop(w, m, DropReason::reserved_label);
      }
    }
    const uint32_t slot = t.ilm_lookup(label);
    const uint32_t index = ilm_index(slot);
    switch (ilm_kind(slot)) {
      case IlmKind::miss:
        L2VPN_TRACE(w, m, TraceStage::ilm, IlmKind::miss, label, 0);
        // An echo request under a label we do not have: RFC 8029's "no
        // label entry" (11) is the responder's to say.
        return oam_or_drop(w, m, off, OamPuntReason::local, DropReason::ilm_miss);
      case IlmKind::forward:
      case IlmKind::ecmp: {
        auto& c = label_counter(w, label);
        ++c.rx_packets;
        c.rx_bytes += rte_pktmbuf_pkt_len(m);
        uint32_t nhlfe = index;
        if (ilm_kind(slot) == IlmKind::ecmp) {
          const CompiledEcmp& g = t.ecmp_groups[index];
          nhlfe = g.nhlfe[ecmp_mix(st.below_hash, t.ecmp_seed) % g.n];
        }
        // The transit LSR's common case, forward_labelled() specialised and
        // inlined here (the call cost a tenth of a swap): one label swapped,
        // nothing popped before, port up, TTL and MTU fine. The frame keeps
        // its length and layout: rewrite the MAC header and the top label in
        // place (new label, TC, the old S bit, TTL - 1). Anything else takes
        // forward_labelled(), which checks in its own order.
        const CompiledNhlfe& nh = t.nhlfes[nhlfe];
        const uint8_t ttl = lse::ttl(st.top);
        if (nh.op == uint8_t(NhlfeOp::swap) && nh.n_labels == 1 && off == kEtherHeaderLen &&
            ttl > 1 && port_up(nh.out_port) &&
            rte_pktmbuf_pkt_len(m) - kEtherHeaderLen <= t.ports[nh.out_port].mtu) [[likely]] {
          const uint8_t tc = nh.tc_set ? nh.tc : lse::tc(st.top);
          uint8_t* h = rte_pktmbuf_mtod(m, uint8_t*);
          std::memcpy(h, nh.l2, 12);
          store_be16(h + 12, kEtherTypeMpls);
          store_be32(h + kEtherHeaderLen,
                     nh.labels[0] | uint32_t(tc) << 9 | (st.top & 0x100u) | uint8_t(ttl - 1));
          // One record for the ILM hit and the NHLFE (trace.hpp: kTraceIlmHit).
          L2VPN_TRACE(w, m, TraceStage::nhlfe,
                      nh.op | kTraceIlmHit | (ilm_kind(slot) == IlmKind::ecmp ? kTraceEcmp : 0), nhlfe, label);
          return send(w, nh.out_port, m);
        }
        L2VPN_TRACE(w, m, TraceStage::ilm, ilm_kind(slot), label, index);
        return forward_labelled(t, w, m, off, st.top, nhlfe, popped_ttl);
      }
      case IlmKind::pw:
        L2VPN_TRACE(w, m, TraceStage::ilm, IlmKind::pw, label, index);
        return pw_disposition(t, w, m, off, st.depth, index, popped_ttl);
      case IlmKind::pop_lookup: {
        L2VPN_TRACE(w, m, TraceStage::ilm, IlmKind::pop_lookup, label, index);
        auto& c = label_counter(w, label);
        ++c.rx_packets;
        c.rx_bytes += rte_pktmbuf_pkt_len(m);
        if (lse::bos(st.top))
          return oam_or_drop(w, m, off, OamPuntReason::local, DropReason::ip_payload_not_served);
        pop_ttl(st.top);
        off += kMplsLseLen;
        continue;
      }
      case IlmKind::replicate:  // P2MP branch, leaf or bud (p2mp.cpp)
        L2VPN_TRACE(w, m, TraceStage::ilm, IlmKind::replicate, label, index);
        return replicate_labelled(t, w, m, off, st.top, st.depth, index, popped_ttl);
      default:
        return drop(w, m, DropReason::unsupported_action);
    }
  }
}

void Router::forward_labelled(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint32_t top,
                              uint32_t nhlfe, uint16_t popped_ttl) {
  // The primary's port is up almost always; usable_nhlfe() decides otherwise.
  const CompiledNhlfe* nh = &t.nhlfes[nhlfe];
  if (!port_up(nh->out_port)) [[unlikely]]
    nh = usable_nhlfe(t, w, nhlfe);
  if (!nh) return drop(w, m, DropReason::port_down);
  L2VPN_TRACE(w, m, TraceStage::nhlfe, nh->op, nh - t.nhlfes.data(), nh != &t.nhlfes[nhlfe]);
  const uint8_t ttl = incoming_ttl(top, popped_ttl, nh->ttl_pipe);
  if (ttl <= 1) return oam_or_drop(w, m, off, OamPuntReason::ttl_expired, DropReason::ttl_expired);
  const uint8_t out_ttl = uint8_t(ttl - 1);
  const uint8_t tc = nh->tc_set ? nh->tc : lse::tc(top);
  const auto op = NhlfeOp(nh->op);
  const uint8_t pushed_ttl = nh->ttl_pipe ? 255 : out_ttl;

  // What stays of the old frame starts at `keep`: below the top label for
  // swap and pop, at the top label for push (it stays, with the new TTL).
  uint32_t keep = off + kMplsLseLen;
  if (op == NhlfeOp::push) {
    keep = off;
    uint8_t* q = rte_pktmbuf_mtod(m, uint8_t*) + off;
    store_be32(q, lse::with_ttl(top, out_ttl));
  } else if (op == NhlfeOp::pop) {
    // PHP: what is below must be a label, or, where the router carries IP
    // FECs (set_php_to_ip), an IP packet sent as it is; elsewhere MPLS OAM
    // only (an LSP ping or its reply toward the LSP's egress: oam_punt.cpp).
    if (lse::bos(top)) {
      if (php_to_ip_) return php_ip(t, w, m, keep, *nh, out_ttl);
      return oam_php_or_drop(t, w, m, keep, *nh, out_ttl);
    }
    if (!nh->ttl_pipe) {
      // RFC 3443 uniform: the exposed label inherits the TTL, never raised.
      uint8_t* q = rte_pktmbuf_mtod(m, uint8_t*) + keep;
      uint32_t below = load_be32(q);
      if (lse::ttl(below) > out_ttl) store_be32(q, lse::with_ttl(below, out_ttl));
    }
  }
  const uint32_t head = uint32_t(kEtherHeaderLen + kMplsLseLen * nh->n_labels);
  const uint32_t new_len = rte_pktmbuf_pkt_len(m) - keep + head;
  if (new_len - kEtherHeaderLen > t.ports[nh->out_port].mtu)
    return drop(w, m, DropReason::mtu_exceeded);
  uint8_t* h;
  if (head > keep) {
    h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, uint16_t(head - keep)));
    if (!h) return drop(w, m, DropReason::no_headroom);
  } else {
    h = reinterpret_cast<uint8_t*>(rte_pktmbuf_adj(m, uint16_t(keep - head)));
  }
  std::memcpy(h, nh->l2, 12);
  store_be16(h + 12, kEtherTypeMpls);
  uint8_t* q = h + kEtherHeaderLen;
  for (unsigned i = 0; i < nh->n_labels; ++i, q += kMplsLseLen) {
    const bool last = i + 1 == nh->n_labels;
    // The last label of a swap takes the old top's place (and its S bit).
    const bool is_swapped = last && op == NhlfeOp::swap;
    const uint32_t word = nh->labels[i] | uint32_t(tc) << 9 |
                          uint32_t(is_swapped && lse::bos(top)) << 8 |
                          (is_swapped ? out_ttl : pushed_ttl);
    store_be32(q, word);
  }
  send(w, nh->out_port, m);
}

}  // namespace l2vpn::dp

namespace l2vpn::dp {

void Router::php_ip(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ip, const CompiledNhlfe& nh,
                    uint8_t out_ttl) {
  if (m->data_len < ip + 20) return drop(w, m, DropReason::ip_payload_not_served);
  uint8_t* q = rte_pktmbuf_mtod(m, uint8_t*) + ip;
  uint16_t type;
  switch (q[0] >> 4) {
    case 4:
      type = kEtherTypeIpv4;
      if (!nh.ttl_pipe && q[8] > out_ttl) {
        // RFC 3443 uniform: the IP TTL takes the label's, never raised;
        // the checksum follows incrementally (RFC 1624: HC' = ~(~HC + ~m + m')).
        const uint16_t old_word = load_be16(q + 8);
        q[8] = out_ttl;
        const uint16_t new_word = load_be16(q + 8);
        uint32_t sum = uint16_t(~load_be16(q + 10)) + uint16_t(~old_word) + new_word;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        store_be16(q + 10, uint16_t(~sum));
      }
      break;
    case 6:
      type = kEtherTypeIpv6;
      if (!nh.ttl_pipe && q[7] > out_ttl) q[7] = out_ttl;
      break;
    default:
      return drop(w, m, DropReason::ip_payload_not_served);
  }
  if (rte_pktmbuf_pkt_len(m) - ip > t.ports[nh.out_port].mtu) return drop(w, m, DropReason::mtu_exceeded);
  uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_adj(m, uint16_t(ip - kEtherHeaderLen)));
  std::memcpy(h, nh.l2, 12);
  store_be16(h + 12, type);
  send(w, nh.out_port, m);
}

}  // namespace l2vpn::dp
