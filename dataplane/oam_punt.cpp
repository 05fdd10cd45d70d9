// The OAM punt (oam_punt.hpp, docs/oam.md): classify, rate-limit, ring.
// Every function here runs only on paths that were drops before, or on the
// control thread: forwarding never comes through this file.
#include "dataplane/oam_punt.hpp"

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <cstring>

#include "dataplane/packet.hpp"
#include "dataplane/router.hpp"

namespace l2vpn::dp {

namespace {
constexpr uint16_t kPortLspPing = 3503, kPortBfd = 3784, kPortBfdMultihop = 4784;
constexpr uint16_t kAchIpv4 = 0x0021, kAchBfd = 0x0007;

struct PuntElem {
  rte_mbuf* m;
  uint64_t meta;  // reason (punt ring) or out port (send ring)
};
static_assert(sizeof(PuntElem) % 4 == 0);
}  // namespace

OamPayload classify_ipv4(const uint8_t* p, uint32_t len) {
  if (len < 20 || (p[0] >> 4) != 4) return OamPayload::none;
  const uint32_t ihl = uint32_t(p[0] & 15) * 4;
  if (ihl < 20 || len < ihl + 8 || p[9] != 17) return OamPayload::none;
  if (load_be16(p + 6) & 0x1fff) return OamPayload::none;  // not a first fragment
  const uint16_t sport = load_be16(p + ihl), dport = load_be16(p + ihl + 2);
  if (dport == kPortLspPing || sport == kPortLspPing) return OamPayload::lsp_ping;
  if (dport == kPortBfd || dport == kPortBfdMultihop) return OamPayload::bfd;
  return OamPayload::none;
}

bool lsp_ping_to_loopback_net(const uint8_t* p, uint32_t len) {
  return classify_ipv4(p, len) == OamPayload::lsp_ping && p[16] == 127;
}

OamPayload classify_labelled(const uint8_t* p, uint32_t len) {
  uint32_t off = 0;
  for (unsigned i = 0;; ++i) {
    if (i == kMaxStackDepth || len < off + kMplsLseLen) return OamPayload::none;
    const bool bos = lse::bos(load_be32(p + off));
    off += kMplsLseLen;
    if (bos) break;
  }
  if (len < off + 4) return OamPayload::none;
  if ((p[off] >> 4) == 1) {  // ACH (RFC 4385): 0001 | version 0 | reserved | channel
    if ((p[off] & 15) != 0) return OamPayload::none;
    const uint16_t channel = load_be16(p + off + 2);
    if (channel == kAchBfd) return OamPayload::bfd;
    if (channel == kAchIpv4) return classify_ipv4(p + off + 4, len - off - 4);
    return OamPayload::none;
  }
  return classify_ipv4(p + off, len - off);
}

struct Router::OamPuntState {
  OamPuntConfig config;
  uint64_t interval_ns = 0;
  uint64_t burst_ns = 0;
  rte_ring* punt = nullptr;  // workers -> control thread
  rte_ring* out = nullptr;   // control thread -> worker 0
  ~OamPuntState() {
    PuntElem e;
    for (rte_ring* r : {punt, out}) {
      if (!r) continue;
      while (rte_ring_dequeue_elem(r, &e, sizeof e) == 0) rte_pktmbuf_free(e.m);
      rte_free(r);  // rte_ring_init on rte_zmalloc memory: rte_ring_free would refuse (and leak) it
    }
  }
};

void Router::OamPuntFree::operator()(OamPuntState* s) const { delete s; }

Status Router::enable_oam_punt(const OamPuntConfig& config) {
  if (!config.enabled) {
    oam_.reset();
    return Status::success();
  }
  if (config.rate_pps == 0 || config.burst == 0 || config.queue == 0)
    return Error{"router " + name_ + ": OAM punt rate, burst and queue must be positive"};
  std::unique_ptr<OamPuntState, OamPuntFree> s(new OamPuntState);
  s->config = config;
  s->interval_ns = 1'000'000'000ull / config.rate_pps;
  s->burst_ns = s->interval_ns * config.burst;
  const uint32_t slots = rte_align32pow2(config.queue + 1);
  // No name: emulated backbones have thousands of routers (see port.hpp's
  // make_ring), so the rings are plain memory, not memzones.
  for (rte_ring** r : {&s->punt, &s->out}) {
    const ssize_t bytes = rte_ring_get_memsize_elem(sizeof(PuntElem), slots);
    if (bytes < 0) return Error{"router " + name_ + ": OAM punt queue size " + std::to_string(config.queue)};
    *r = static_cast<rte_ring*>(rte_zmalloc(nullptr, size_t(bytes), RTE_CACHE_LINE_SIZE));
    if (!*r) return Error{"router " + name_ + ": no memory for the OAM punt rings"};
    if (rte_ring_init(*r, "oam", config.queue, RING_F_EXACT_SZ) != 0) {
      rte_free(*r);
      *r = nullptr;
      return Error{"router " + name_ + ": OAM punt ring: " + rte_strerror(rte_errno)};
    }
  }
  oam_ = std::move(s);
  return Status::success();
}

bool Router::oam_punt(Worker& w, rte_mbuf* m, uint32_t off, OamPuntReason reason) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  if (off > m->data_len) return false;
  const OamPayload kind = reason == OamPuntReason::unlabelled ? classify_ipv4(p + off, m->data_len - off)
                                                             : classify_labelled(p + off, m->data_len - off);
  if (kind == OamPayload::none) return false;
  // Token bucket as GCRA, per worker (bridge_flood's): a flood of echo
  // requests costs this check and a free, never the control thread.
  const uint64_t now = clock_.now_ns();
  const uint64_t tat = w.oam_tat > now ? w.oam_tat : now;
  if (tat - now + oam_->interval_ns > oam_->burst_ns) {
    drop(w, m, DropReason::oam_rate_limited);
    return true;
  }
  w.oam_tat = tat + oam_->interval_ns;
  PuntElem e{m, uint64_t(reason)};
  if (rte_ring_mp_enqueue_elem(oam_->punt, &e, sizeof e) != 0) {
    drop(w, m, DropReason::oam_queue_full);
    return true;
  }
  ++w.stats.oam_punted;
  return true;
}

unsigned Router::drain_oam(rte_mbuf** frames, OamPuntReason* reasons, unsigned n) {
  if (!oam_) return 0;
  unsigned got = 0;
  PuntElem e;
  while (got < n && rte_ring_sc_dequeue_elem(oam_->punt, &e, sizeof e) == 0) {
    frames[got] = e.m;
    if (reasons) reasons[got] = OamPuntReason(e.meta);
    ++got;
  }
  return got;
}

bool Router::send_oam(uint16_t port, rte_mbuf* m) {
  if (!oam_ || port >= port_names_.size()) {
    rte_pktmbuf_free(m);
    return false;
  }
  PuntElem e{m, port};
  if (rte_ring_mp_enqueue_elem(oam_->out, &e, sizeof e) != 0) {
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

void Router::oam_send_pending(Worker& w) {
  PuntElem e;
  for (unsigned i = 0; i < kBurst && rte_ring_sc_dequeue_elem(oam_->out, &e, sizeof e) == 0; ++i) {
    ++w.stats.oam_sent;
    send(w, uint16_t(e.meta), e.m);
  }
}

void Router::oam_php_or_drop(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ip, const CompiledNhlfe& nh,
                             uint8_t out_ttl) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  if (ip > m->data_len || classify_ipv4(p + ip, m->data_len - ip) == OamPayload::none)
    return drop(w, m, DropReason::ip_payload_not_served);
  php_ip(t, w, m, ip, nh, out_ttl);  // mpls_forward.cpp: unlabelled, RFC 3443 TTL
}

}  // namespace l2vpn::dp
