// A point-to-multipoint LSP at one router (ILM action replicate): one
// incoming labelled frame leaves once per NHLFE of the replication group
// (a branch swaps the tree label on each copy) and, at a leaf or bud, once
// more into the bridge domain of `local_pseudowire`, as if it had come over
// that PW. Copies are a fresh header mbuf (new MAC header and labels) chained
// to an indirect mbuf on what lies below the old top label: the payload is
// shared, never copied. The original carries the last output.
#include <algorithm>

#include "dataplane/router.hpp"

namespace l2vpn::dp {

void Router::replicate_labelled(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint32_t top,
                                uint8_t depth, uint32_t group, uint16_t popped_ttl) {
  const CompiledReplication& g = t.replications[group];
  L2VPN_TRACE(w, m, TraceStage::replicate, 0, group, 0);
  auto& c = label_counter(w, lse::label(top));
  ++c.rx_packets;
  c.rx_bytes += rte_pktmbuf_pkt_len(m);
  const bool local = g.local_pseudowire != kNone;
  const size_t branches = g.nhlfes.size();
  const size_t total = branches + local;
  if (total == 0) [[unlikely]]
    return drop(w, m, DropReason::unsupported_action);
  w.stats.replicas += total - 1;
  const uint32_t below = off + kMplsLseLen;
  if (local && branches) {
    // The local copy gets a private head holding everything disposition and
    // the bridge may rewrite or prepend to (labels, CW, the Ethernet header
    // and its tags), so the shared data below stays as the branches see it.
    const uint32_t head = std::min<uint32_t>(m->data_len, below + kControlWordLen + kEtherHeaderLen + 8);
    rte_mbuf* r = replica(m, head, 0);
    if (r)
      pw_disposition(t, w, r, off, depth, g.local_pseudowire, popped_ttl);
    else
      ++w.stats.drops[size_t(DropReason::replica_no_mbuf)];
  }
  for (size_t i = 0; i < branches; ++i) {
    const CompiledNhlfe* nh0 = &t.nhlfes[g.nhlfes[i]];
    if (i + 1 == branches && NhlfeOp(nh0->op) != NhlfeOp::pop)
      return forward_labelled(t, w, m, off, top, g.nhlfes[i], popped_ttl);  // only rewrites above `below`
    // A pop copy takes its own copy of the label it exposes (the TTL is
    // copied down into it); the other copies share the original.
    const CompiledNhlfe* nh = usable_nhlfe(t, w, g.nhlfes[i]);
    const bool pops = nh && NhlfeOp(nh->op) == NhlfeOp::pop && !lse::bos(top);
    rte_mbuf* r = replica(m, 0, below + (pops ? kMplsLseLen : 0));
    if (!r) [[unlikely]] {
      ++w.stats.drops[size_t(DropReason::replica_no_mbuf)];
      continue;
    }
    if (!nh) {
      drop(w, r, DropReason::port_down);
      continue;
    }
    const uint8_t ttl = incoming_ttl(top, popped_ttl, nh->ttl_pipe);
    if (ttl <= 1) {
      drop(w, r, DropReason::ttl_expired);
      continue;
    }
    const auto op = NhlfeOp(nh->op);
    if (op == NhlfeOp::pop && lse::bos(top)) {
      drop(w, r, DropReason::ip_payload_not_served);
      continue;
    }
    const uint8_t out_ttl = uint8_t(ttl - 1);
    const uint8_t tc = nh->tc_set ? nh->tc : lse::tc(top);
    const uint8_t pushed_ttl = nh->ttl_pipe ? 255 : out_ttl;
    // New header: MAC, the NHLFE's labels, and for push the old top label
    // (TTL - 1) below them; for pop the exposed label, its TTL copied down
    // (RFC 3443 uniform, never raised; pipe leaves it).
    const bool own_below = op == NhlfeOp::push || (op == NhlfeOp::pop && pops);
    const uint32_t head = uint32_t(kEtherHeaderLen + kMplsLseLen * (nh->n_labels + own_below));
    if (rte_pktmbuf_pkt_len(r) + head - kEtherHeaderLen > t.ports[nh->out_port].mtu) {
      drop(w, r, DropReason::mtu_exceeded);
      continue;
    }
    uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(r, uint16_t(head)));
    if (!h) {
      drop(w, r, DropReason::no_headroom);
      continue;
    }
    std::memcpy(h, nh->l2, 12);
    store_be16(h + 12, kEtherTypeMpls);
    uint8_t* q = h + kEtherHeaderLen;
    for (unsigned l = 0; l < nh->n_labels; ++l, q += kMplsLseLen) {
      const bool swapped = l + 1 == nh->n_labels && op == NhlfeOp::swap;
      store_be32(q, nh->labels[l] | uint32_t(tc) << 9 | uint32_t(swapped && lse::bos(top)) << 8 |
                        (swapped ? out_ttl : pushed_ttl));
    }
    if (op == NhlfeOp::push) {
      store_be32(q, lse::with_ttl(top, out_ttl));
    } else if (own_below) {
      uint32_t exposed = load_be32(rte_pktmbuf_mtod(m, const uint8_t*) + below);
      if (!nh->ttl_pipe && lse::ttl(exposed) > out_ttl) exposed = lse::with_ttl(exposed, out_ttl);
      store_be32(q, exposed);
    }
    send(w, nh->out_port, r);
  }
  // A leaf: the original goes to the bridge domain of the PW from the
  // tree's root; disposition strips the tree label (and CW) and learns.
  if (local && !branches) return pw_disposition(t, w, m, off, depth, g.local_pseudowire, popped_ttl);
  // Every output went as a replica (the last branch pops): the original
  // stands for one of them in the counts.
  rte_pktmbuf_free(m);
}

}  // namespace l2vpn::dp
