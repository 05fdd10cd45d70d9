#include "dataplane_test_env.hpp"

#include <rte_eal.h>

#include <algorithm>

#include "dataplane/eal.hpp"

namespace l2vpn::dp::test {

namespace {
rte_mempool* g_pool = nullptr;
Rcu* g_rcu = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto st = eal_init(default_eal_args("0-1"));
    ASSERT_TRUE(st.ok()) << st.error().message;
    auto p = make_mbuf_pool("test_pool", 65535);
    ASSERT_TRUE(p.ok()) << p.error().message;
    g_pool = *p;
    g_rcu = new Rcu(64);
  }
};
[[maybe_unused]] auto* const g_env = ::testing::AddGlobalTestEnvironment(new EalEnvironment);
}  // namespace

rte_mempool* pool() { return g_pool; }
Rcu& rcu() { return *g_rcu; }

Frame& Frame::eth(const MacAddr& dst, const MacAddr& src, uint16_t t) {
  b_.insert(b_.end(), dst.begin(), dst.end());
  b_.insert(b_.end(), src.begin(), src.end());
  return type(t);
}
Frame& Frame::type(uint16_t t) {
  b_.push_back(uint8_t(t >> 8));
  b_.push_back(uint8_t(t));
  return *this;
}
Frame& Frame::vlan(uint16_t tpid, uint16_t vid, uint8_t pcp) {
  // Replaces the EtherType just written by the TPID, then the TCI.
  b_.resize(b_.size() - 2);
  type(tpid);
  return type(uint16_t(pcp << 13 | vid));
}
Frame& Frame::mpls(uint32_t label, uint8_t tc, bool bos, uint8_t ttl) {
  return word(lse::make(label, tc, bos, ttl));
}
Frame& Frame::word(uint32_t w) {
  uint8_t q[4];
  store_be32(q, w);
  b_.insert(b_.end(), q, q + 4);
  return *this;
}
Frame& Frame::bytes(const Bytes& b) {
  b_.insert(b_.end(), b.begin(), b.end());
  return *this;
}
Frame& Frame::fill(size_t n, uint8_t v) {
  b_.insert(b_.end(), n, v);
  return *this;
}
rte_mbuf* Frame::mbuf() const {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (!m) return nullptr;
  char* d = rte_pktmbuf_append(m, uint16_t(b_.size()));
  if (!d) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memcpy(d, b_.data(), b_.size());
  return m;
}

rte_mbuf* Frame::chain(size_t first, size_t seg) const {
  rte_mbuf* head = nullptr;
  rte_mbuf* last = nullptr;
  for (size_t off = 0; off < b_.size();) {
    const size_t n = std::min(b_.size() - off, off == 0 ? first : seg);
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    char* d = m ? rte_pktmbuf_append(m, uint16_t(n)) : nullptr;
    if (!d) {
      rte_pktmbuf_free(m);
      rte_pktmbuf_free(head);
      return nullptr;
    }
    std::memcpy(d, b_.data() + off, n);
    off += n;
    if (!head) {
      head = m;
    } else {
      last->next = m;
      ++head->nb_segs;
      head->pkt_len += uint32_t(n);
    }
    last = m;
  }
  return head;
}

Bytes bytes_of(const rte_mbuf* m) {
  Bytes b(rte_pktmbuf_pkt_len(m));
  const auto* p = rte_pktmbuf_read(m, 0, uint32_t(b.size()), b.data());
  if (p && p != b.data()) std::memcpy(b.data(), p, b.size());
  return b;
}

Bytes customer_frame(const MacAddr& dst, const MacAddr& src, size_t payload, uint8_t seed) {
  Frame f;
  f.eth(dst, src, kEtherTypeIpv4);
  Bytes body(payload);
  for (size_t i = 0; i < payload; ++i) body[i] = uint8_t(seed + i * 7);
  if (payload >= 20) body[0] = 0x45;
  f.bytes(body);
  return f.data();
}

RouterHarness::RouterHarness(const ForwardingState& state, unsigned workers) {
  router = std::make_unique<Router>(state.router, rcu(), workers);
  for (auto& p : state.ports) {
    uint16_t i = router->add_port(p.name);
    auto r = make_ring(p.name + ".rx", 4096);
    auto t = make_ring(p.name + ".tx", 4096);
    EXPECT_TRUE(r.ok() && t.ok());
    for (unsigned w = 0; w < workers; ++w)
      router->set_port_io(i, w, std::make_unique<RingPortIo>(r->get(), t->get()));
    rx.push_back(std::move(*r));
    tx.push_back(std::move(*t));
  }
  auto st = router->update(state);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
}

RouterHarness::~RouterHarness() {
  router.reset();
  for (auto* rings : {&rx, &tx})
    for (auto& r : *rings) {
      void* m;
      while (rte_ring_dequeue(r.get(), &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
}

void RouterHarness::inject(const std::string& port, std::vector<rte_mbuf*> frames, unsigned worker) {
  int idx = router->port_index(port);
  ASSERT_GE(idx, 0) << port;
  for (size_t i = 0; i < frames.size(); i += kBurst) {
    auto n = uint16_t(std::min<size_t>(kBurst, frames.size() - i));
    router->process(worker, uint16_t(idx), frames.data() + i, n);
  }
  router->flush(worker);
}

std::vector<Bytes> RouterHarness::take(const std::string& port) {
  std::vector<Bytes> out;
  int idx = router->port_index(port);
  if (idx < 0) return out;
  void* m;
  while (rte_ring_dequeue(tx[size_t(idx)].get(), &m) == 0) {
    out.push_back(bytes_of(static_cast<rte_mbuf*>(m)));
    rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  return out;
}

size_t RouterHarness::pending(const std::string& port) {
  int idx = router->port_index(port);
  return idx < 0 ? 0 : rte_ring_count(tx[size_t(idx)].get());
}

}  // namespace l2vpn::dp::test
