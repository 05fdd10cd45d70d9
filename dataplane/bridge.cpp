// The bridge stage (VPLS, RFC 4762): frames of a bridge domain, from its
// attachment circuits (after the service tag is stripped) and from its PWs
// (after disposition), are batched per worker; per run of one domain, one
// bulk lookup of destinations and sources. Then: learn the source against
// the member it came in on; known unicast goes to its one member; broadcast,
// multicast and unknown unicast are flooded to every other member except
// those of the split-horizon group it came from (a frame from a mesh PW
// never goes to another mesh PW), under a per-domain rate limit. Copies are
// a fresh header mbuf chained to an indirect mbuf on the shared data: the
// payload is never copied.
//
// Known limits: a destination learned by an earlier frame of the same batch
// is still unknown to later frames of that batch (they are flooded once).
#include <rte_prefetch.h>

#include "dataplane/router.hpp"

namespace l2vpn::dp {

namespace {
bool rewrites_frame(const CompiledAc& ac) { return ac.vlan != 0; }

// rte_pktmbuf_attach for a direct m whose reference count the caller has
// already raised for this copy.
inline void attach_counted(rte_mbuf* mi, rte_mbuf* m) {
  mi->priv_size = m->priv_size;
  mi->ol_flags = m->ol_flags | RTE_MBUF_F_INDIRECT;
  mi->port = m->port;
  mi->vlan_tci = m->vlan_tci;
  mi->vlan_tci_outer = m->vlan_tci_outer;
  mi->tx_offload = m->tx_offload;
  mi->hash = m->hash;
  mi->packet_type = m->packet_type;
  rte_mbuf_dynfield_copy(mi, m);
  mi->data_off = m->data_off;
  mi->data_len = m->data_len;
  rte_mbuf_iova_set(mi, rte_mbuf_iova_get(m));
  mi->buf_addr = m->buf_addr;
  mi->buf_len = m->buf_len;
  mi->next = nullptr;
  mi->pkt_len = mi->data_len;
  mi->nb_segs = 1;
}
}  // namespace

rte_mbuf* Router::replica(rte_mbuf* m, uint32_t header, uint32_t skip) {
  rte_mempool* mp = replica_pool_ ? replica_pool_ : m->pool;
  rte_mbuf* h = rte_pktmbuf_alloc(mp);
  if (!h) [[unlikely]]
    return nullptr;
  rte_mbuf* ind = rte_pktmbuf_clone(m, mp);
  if (!ind) [[unlikely]] {
    rte_pktmbuf_free(h);
    return nullptr;
  }
  if (header) {
    char* d = rte_pktmbuf_append(h, uint16_t(header));
    std::memcpy(d, rte_pktmbuf_mtod(m, const void*), header);
  }
  if (header + skip) rte_pktmbuf_adj(ind, uint16_t(header + skip));
  h->next = ind;
  h->nb_segs = uint16_t(1 + ind->nb_segs);
  h->pkt_len = h->data_len + ind->pkt_len;
  if (trace_detail::g_flag) [[unlikely]]  // a copy of a traced frame is traced too
    trace_copy_mark(m, h);
  return h;
}

void Router::bridge_send(const Tables& t, Worker& w, rte_mbuf* m, const CompiledBridgeMember& to,
                         uint8_t pcp, const uint8_t* frame, uint32_t frame_contig,
                         const EthernetView* parsed) {
  EthernetView eth;
  if (to.is_pw) {
    if (parsed) return pw_output(t, w, m, to.index, pcp, frame, frame_contig, *parsed);
    if (parse_ethernet(frame, frame_contig, eth) != ParseResult::ok) [[unlikely]]
      return drop(w, m, DropReason::pw_payload_truncated);
    return pw_output(t, w, m, to.index, pcp, frame, frame_contig, eth);
  }
  const CompiledAc& ac = t.acs[to.index];
  if (rewrites_frame(ac) && rte_mbuf_refcnt_read(m) > 1) [[unlikely]] {
    // The data is shared with other copies: rewrite a private header.
    if (parse_ethernet(frame, frame_contig, eth) != ParseResult::ok)
      return drop(w, m, DropReason::pw_payload_truncated);
    rte_mbuf* c = replica(m, eth.header_len, 0);
    if (!c) return drop(w, m, DropReason::replica_no_mbuf);
    rte_pktmbuf_free(m);
    m = c;
  }
  if (!ac.tagged && !ac.vlan) {
    // What ac_output() does for an AC that neither tags nor rewrites, when
    // the frame carries no tag: an MTU check and send.
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    if (m->data_len >= kEtherHeaderLen) [[likely]] {
      const uint16_t type = load_be16(p + 12);
      if (type != kEtherTypeVlan && type != kEtherTypeQinQ) [[likely]] {
        if (rte_pktmbuf_pkt_len(m) - kEtherHeaderLen > t.ports[ac.port].mtu)
          return drop(w, m, DropReason::mtu_exceeded);
        return send(w, ac.port, m);
      }
    }
  }
  ac_output(t, w, m, to.index, pcp);
}

void Router::bridge_burst(const Tables& t, Worker& w) {
  const uint16_t n = w.n_bridge;
  w.n_bridge = 0;
  const uint64_t now_ns = clock_.now_ns();
  const uint32_t now_s = uint32_t(now_ns / 1'000'000'000u);
  uint64_t keys[2 * kBurst];
  int32_t pos[2 * kBurst];
  for (uint16_t i = 0; i < n;) {
    const uint32_t bdi = w.bridge[i].bd;
    uint16_t j = i + 1;
    while (j < n && w.bridge[j].bd == bdi) ++j;
    const uint16_t k = uint16_t(j - i);
    for (uint16_t x = 0; x < k; ++x) {
      const uint8_t* p = rte_pktmbuf_mtod(w.bridge[i + x].m, const uint8_t*);
      keys[x] = mac_key(p);
      keys[k + x] = mac_key(p + 6);
    }
    const CompiledBridgeDomain& bd = t.bridge_domains[bdi];
    BridgeRuntime& rt = *bd.runtime;
    auto& rw = rt.per_worker[w.index];
    bd.macs->lookup(keys, 2u * k, pos, rw.macs);
    BdStats& st = rw.stats;
    for (uint16_t x = 0; x < k; ++x) {
      const BridgeItem& it = w.bridge[i + x];
      const CompiledBridgeMember& from = bd.members[it.member];
      const uint8_t* p = rte_pktmbuf_mtod(it.m, const uint8_t*);
      const uint64_t src = keys[k + x];
      if (mac_is_group(p + 6) || src == 0) [[unlikely]] {
        drop(w, it.m, DropReason::bd_bad_source);
        continue;
      }
      // Learn, unless the PW is down: a reply could not go back over it.
      if (!from.is_pw || t.pseudowires[from.index].up) {
        const LearnResult learned = bd.macs->learn(src, pos[k + x], from.id, now_s);
        L2VPN_TRACE(w, it.m, TraceStage::bridge_learn, learned, it.bd, it.member);
        switch (learned) {
          case LearnResult::known: break;
          case LearnResult::learned:
            ++st.learned;
            ++rt.member_stats(w.index, from.id).learned;
            break;
          case LearnResult::moved:
            ++st.moved;
            ++rt.member_stats(w.index, from.id).learned;
            break;
          case LearnResult::static_kept: ++st.static_kept; break;
          case LearnResult::bd_limit:
          case LearnResult::table_full: ++st.limit_hits; break;
          case LearnResult::global_limit: ++st.global_limit_hits; break;
        }
      }
      if (mac_is_group(p)) {
        L2VPN_TRACE(w, it.m, TraceStage::bridge_flood, 1, it.bd, 0);
        ++st.bum;
        bridge_flood(t, w, it, now_ns);
        continue;
      }
      const uint32_t d = bd.macs->dest(pos[x], keys[x]);
      const uint32_t id = d & kMacMemberMask;
      const uint32_t to = d != kMacMiss && id < bd.member_by_id.size() ? bd.member_by_id[id] : kNone;
      if (to == kNone) {
        L2VPN_TRACE(w, it.m, TraceStage::bridge_flood, 0, it.bd, 0);
        ++st.unknown_unicast;
        bridge_flood(t, w, it, now_ns);
        continue;
      }
      ++st.known_unicast;
      if (to == it.member) {
        drop(w, it.m, DropReason::bd_same_port);
        continue;
      }
      const CompiledBridgeMember& out = bd.members[to];
      if (from.shg && from.shg == out.shg) {
        ++st.split_horizon;
        ++rt.member_stats(w.index, from.id).split_horizon;
        drop(w, it.m, DropReason::split_horizon);
        continue;
      }
      L2VPN_TRACE(w, it.m, TraceStage::bridge_forward, 0, it.bd, to);
      bridge_send(t, w, it.m, out, it.pcp, p, it.m->data_len);
    }
    i = j;
  }
}

void Router::bridge_flood(const Tables& t, Worker& w, const BridgeItem& it, uint64_t now_ns) {
  const CompiledBridgeDomain& bd = t.bridge_domains[it.bd];
  BridgeRuntime& rt = *bd.runtime;
  auto& pw = rt.per_worker[w.index];
  rte_mbuf* m = it.m;
  if (bd.flood_interval_ns) {
    // Token bucket as GCRA: tat is when the bucket would be full again.
    const uint64_t tat = pw.flood_tat > now_ns ? pw.flood_tat : now_ns;
    if (tat - now_ns + bd.flood_interval_ns > bd.flood_burst_ns) {
      ++pw.stats.rate_limited;
      return drop(w, m, DropReason::flood_rate_limited);
    }
    pw.flood_tat = tat + bd.flood_interval_ns;
  }
  const CompiledBridgeMember& from = bd.members[it.member];
  // Root of a P2MP tree: BUM from a local AC rides the tree once instead
  // of once per mesh PW.
  const bool tree = bd.p2mp_group != kNone && !from.is_pw;
  uint16_t targets[kMaxBridgeMembers];
  unsigned nt = 0, sh = 0;
  int in_place = -1;  // a target that can take the original: it only prepends
  for (uint32_t i = 0; i < bd.members.size(); ++i) {
    if (i == it.member) continue;
    const CompiledBridgeMember& mb = bd.members[i];
    if (from.shg && mb.shg == from.shg) {
      ++sh;
      continue;
    }
    if (mb.is_pw) {
      if (!t.pseudowires[mb.index].up || (tree && mb.shg == 1)) continue;
      in_place = int(nt);
    } else if (!rewrites_frame(t.acs[mb.index])) {
      in_place = int(nt);
    }
    targets[nt++] = uint16_t(i);
  }
  const CompiledReplication* g = tree ? &t.replications[bd.p2mp_group] : nullptr;
  const unsigned ntree = g ? unsigned(g->nhlfes.size()) : 0;
  pw.stats.split_horizon += sh;
  rt.member_stats(w.index, from.id).split_horizon += sh;
  const unsigned total = nt + ntree;
  if (total == 0) return drop(w, m, sh ? DropReason::split_horizon : DropReason::bd_flood_empty);
  ++pw.stats.flooded;
  pw.stats.flood_copies += total;
  w.stats.replicas += total - 1;

  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t contig = m->data_len;
  EthernetView eth;
  if (parse_ethernet(frame, contig, eth) != ParseResult::ok) [[unlikely]] {
    // Copies that will not be made are still accounted for.
    for (unsigned c = 1; c < total; ++c) ++w.stats.drops[size_t(DropReason::pw_payload_truncated)];
    return drop(w, m, DropReason::pw_payload_truncated);
  }
  // The tree (root): push each NHLFE's labels (the last with S=1), an
  // optional control word, and send. The original goes last of all.
  auto tree_out = [&](rte_mbuf* c, uint32_t nhlfe) {
    const CompiledNhlfe* nh = usable_nhlfe(t, w, nhlfe);
    if (!nh) return drop(w, c, DropReason::port_down);
    const uint32_t len = rte_pktmbuf_pkt_len(c);
    const uint32_t head = uint32_t(kEtherHeaderLen + kMplsLseLen * nh->n_labels +
                                   (bd.p2mp_control_word ? kControlWordLen : 0));
    if (len + head - kEtherHeaderLen > t.ports[nh->out_port].mtu)
      return drop(w, c, DropReason::mtu_exceeded);
    uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(c, uint16_t(head)));
    if (!h) return drop(w, c, DropReason::no_headroom);
    std::memcpy(h, nh->l2, 12);
    store_be16(h + 12, kEtherTypeMpls);
    uint8_t* q = h + kEtherHeaderLen;
    const uint8_t tc = nh->tc_set ? nh->tc : it.pcp;
    for (unsigned i = 0; i < nh->n_labels; ++i, q += kMplsLseLen)
      store_be32(q, nh->labels[i] | uint32_t(tc) << 9 | uint32_t(i + 1 == nh->n_labels) << 8 | 255u);
    if (bd.p2mp_control_word) {
      const uint32_t l = len + kControlWordLen;
      store_be32(q, cw::make(l < 64 ? uint8_t(l) : 0, 0));
    }
    send(w, nh->out_port, c);
  };
  // Copies first (they share m's data, which the original's own output
  // may only prepend to), the original last. Their mbufs come in two bulk
  // allocation (headers, then indirects) when m is one segment, all
  // prefetched at once so that their cache misses overlap.
  const bool original_on_tree = in_place < 0 && ntree > 0;
  const unsigned ncopies = nt - (in_place >= 0) + ntree - original_on_tree;
  constexpr unsigned kBulk = 64;
  rte_mbuf* objs[2 * kBulk];
  rte_mbuf** const hs = objs;
  rte_mbuf** const is = objs + ncopies;
  unsigned taken = 0;
  rte_mempool* mp = replica_pool_ ? replica_pool_ : m->pool;
  const bool bulk = m->nb_segs == 1 && ncopies && ncopies <= kBulk &&
                    rte_mempool_get_bulk(mp, reinterpret_cast<void**>(objs), 2 * ncopies) == 0;
  if (bulk) {
    // Both cache lines of every mbuf, and where a header mbuf's header
    // goes: just before its data (a pool mbuf's buffer follows its private
    // area). Only hints: nothing is read from them here.
    const uintptr_t data = sizeof(rte_mbuf) + rte_pktmbuf_priv_size(mp) + RTE_PKTMBUF_HEADROOM;
    for (unsigned c = 0; c < 2 * ncopies; ++c) {
      rte_prefetch0(objs[c]);
      rte_prefetch0(reinterpret_cast<const char*>(objs[c]) + RTE_CACHE_LINE_SIZE);
    }
    for (unsigned c = 0; c < ncopies; ++c) {
      rte_prefetch0(reinterpret_cast<const char*>(hs[c]) + data - RTE_CACHE_LINE_SIZE);
      rte_prefetch0(reinterpret_cast<const char*>(hs[c]) + data - 8);
    }
  }
  // One reference count update for all the copies (one atomic at most)
  // instead of one per rte_pktmbuf_attach.
  const bool plain = bulk && RTE_MBUF_DIRECT(m) && !RTE_MBUF_HAS_EXTBUF(m);
  if (plain) rte_mbuf_refcnt_update(m, int16_t(ncopies));
  auto make_copy = [&](uint32_t header) __attribute__((always_inline)) -> rte_mbuf* {
    if (!bulk) return replica(m, header, 0);
    rte_mbuf* h = hs[taken];
    rte_mbuf* ind = is[taken++];
    // Only the header mbuf needs a reset (what rte_pktmbuf_alloc does);
    // attaching the indirect sets every field a reset would.
    rte_pktmbuf_reset(h);
    if (plain)
      attach_counted(ind, m);
    else
      rte_pktmbuf_attach(ind, m);
    if (header) {
      std::memcpy(rte_pktmbuf_append(h, uint16_t(header)), rte_pktmbuf_mtod(m, const void*), header);
      rte_pktmbuf_adj(ind, uint16_t(header));
    }
    h->next = ind;
    h->nb_segs = 2;
    h->pkt_len = h->data_len + ind->pkt_len;
    if (w.trace_on) [[unlikely]]  // a copy of a traced frame is traced too
      trace_copy_mark(m, h);
    return h;
  };
  // A PW copy: what pw_output() does, with the MAC header, transport labels
  // and control word built once per transport NHLFE for this flood; per copy
  // only the PW label is written. Flow labels, ECMP transports and a primary
  // whose port is down take pw_output() itself. The copy's first segment is
  // its own (a fresh header mbuf): the template may be copied past `head`.
  const uint32_t frame_len = rte_pktmbuf_pkt_len(m);
  uint32_t tmpl_nh = kNone, tmpl_pw = 0;
  uint8_t tmpl_tc = 0;
  alignas(16) uint8_t tmpl[64] = {};
  auto pw_copy_out = [&](rte_mbuf* r, const CompiledBridgeMember& mb) __attribute__((always_inline)) {
    const CompiledPseudowire& pw = t.pseudowires[mb.index];
    if (pw.flow_label || pw.transport_kind == IlmKind::ecmp) [[unlikely]]
      return bridge_send(t, w, r, mb, it.pcp, frame, contig, &eth);
    if (!pw.up) [[unlikely]]
      return drop(w, r, DropReason::pw_down);
    if (frame_len - eth.header_len > pw.mtu) return drop(w, r, DropReason::pw_mtu_exceeded);
    const CompiledNhlfe* nh = &t.nhlfes[pw.transport];
    if (!port_up(nh->out_port)) [[unlikely]]
      return bridge_send(t, w, r, mb, it.pcp, frame, contig, &eth);
    if (pw.transport != tmpl_nh) {
      tmpl_nh = pw.transport;
      tmpl_tc = nh->tc_set ? nh->tc : it.pcp;
      std::memcpy(tmpl, nh->l2, 12);
      store_be16(tmpl + 12, kEtherTypeMpls);
      uint8_t* q = tmpl + kEtherHeaderLen;
      for (unsigned i = 0; i < nh->n_labels; ++i, q += kMplsLseLen)
        store_be32(q, nh->labels[i] | uint32_t(tmpl_tc) << 9 | 255u);
      tmpl_pw = uint32_t(q - tmpl);
      const uint32_t l = frame_len + kControlWordLen;
      store_be32(q + kMplsLseLen, cw::make(l < 64 ? uint8_t(l) : 0, 0));
    }
    const uint32_t head = tmpl_pw + kMplsLseLen + (pw.control_word ? kControlWordLen : 0);
    if (frame_len + head - kEtherHeaderLen > t.ports[nh->out_port].mtu)
      return drop(w, r, DropReason::mtu_exceeded);
    uint8_t* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(r, uint16_t(head)));
    if (!h) [[unlikely]]
      return drop(w, r, DropReason::no_headroom);
    if (uint32_t(r->buf_len - r->data_off) >= sizeof tmpl) [[likely]]
      std::memcpy(h, tmpl, sizeof tmpl);
    else
      std::memcpy(h, tmpl, head);
    store_be32(h + tmpl_pw, lse::make(pw.remote_label, tmpl_tc, true, 255));
    auto& lc = label_counter(w, pw.local_label);
    ++lc.tx_packets;
    lc.tx_bytes += frame_len;
    send(w, nh->out_port, r);
  };
  BdMemberStats* const* const member_chunks = pw.members.data();
  for (unsigned c = 0; c < nt; ++c) {
    if (int(c) == in_place) continue;
    const CompiledBridgeMember& mb = bd.members[targets[c]];
    BdMemberStats& ms = member_chunks[mb.id >> kBdMemberChunkBits][mb.id & (kBdMemberChunkSize - 1)];
    rte_mbuf* r = make_copy(mb.is_pw ? 0 : eth.header_len);
    if (!r) {
      ++w.stats.drops[size_t(DropReason::replica_no_mbuf)];
      continue;
    }
    ++ms.tx_flood;
    if (mb.is_pw)
      pw_copy_out(r, mb);
    else
      bridge_send(t, w, r, mb, it.pcp, frame, contig, &eth);
  }
  for (unsigned c = 0; c < ntree; ++c) {
    if (original_on_tree && c + 1 == ntree) break;
    rte_mbuf* r = make_copy(0);
    if (!r) {
      ++w.stats.drops[size_t(DropReason::replica_no_mbuf)];
      continue;
    }
    tree_out(r, g->nhlfes[c]);
  }
  if (in_place >= 0) {
    const CompiledBridgeMember& mb = bd.members[targets[in_place]];
    ++rt.member_stats(w.index, mb.id).tx_flood;
    bridge_send(t, w, m, mb, it.pcp, frame, contig, &eth);
  } else if (original_on_tree) {
    tree_out(m, g->nhlfes[ntree - 1]);
  } else {
    // Every target rewrites the frame: all went as replicas; the original
    // stands for one of them in the counts.
    rte_pktmbuf_free(m);
  }
}

}  // namespace l2vpn::dp
