// libFuzzer: whole frames through a real dp::Router's burst path (Ethernet,
// VLAN tags, label stacks, control words, the bridge). EAL starts once in
// LLVMFuzzerInitialize (--no-huge --no-pci --no-shconf); one router is
// programmed with a state that has swap, pop, push, ECMP with an LFA,
// pop-and-lookup, VPWS raw and tagged with and without control word and
// flow label, and a VPLS bridge domain with mesh and spoke PWs.
//
// Input: records [selector][length hi][length lo][frame bytes...]; the last
// record takes what is left. selector % 6 is the port the frame arrives on
// (core, core2: MPLS ports; ac1..ac4: AC ports); bit 7 splits the frame into
// two chained mbufs after 1 + (selector >> 3 & 15) * 4 bytes (a scattered
// frame). Consecutive frames on one port form one burst (up to 32).
//
// Oracles besides ASan/UBSan: per router, received + replicas = forwarded +
// drops after every input, and every mbuf is back in the pool once the
// output rings are drained (nothing leaked, nothing freed twice).
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/eal.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"

using namespace l2vpn;
using namespace l2vpn::dp;

namespace {

MacAddr mac(uint8_t last, uint8_t first = 0x02) { return {first, 0, 0, 0, 0, last}; }

ForwardingState fuzz_state() {
  ForwardingState s;
  s.router = "PE1";
  s.ports = {{"core", "", mac(0x10), 1500}, {"core2", "", mac(0x11), 1500},
             {"ac1", "", mac(0x21), 1500},  {"ac2", "", mac(0x22), 1500},
             {"ac3", "", mac(0x23), 1500},  {"ac4", "", mac(0x24), 1500}};
  auto nh = [&](uint32_t id, NhlfeOp op, std::vector<uint32_t> labels, const char* port) {
    Nhlfe n;
    n.id = id;
    n.op = op;
    n.labels = std::move(labels);
    n.out_port = port;
    n.next_hop_mac = mac(uint8_t(0xa0 + id), 0x06);
    s.nhlfes.push_back(n);
  };
  nh(1, NhlfeOp::push, {2000}, "core");    // PW transport
  nh(2, NhlfeOp::push, {2001}, "core2");   // PW transport (ECMP member)
  nh(3, NhlfeOp::swap, {1000}, "core2");   // label 100
  nh(4, NhlfeOp::swap, {1001}, "core");    // 100's LFA, ECMP member
  nh(5, NhlfeOp::pop, {}, "core2");        // label 200: PHP
  nh(6, NhlfeOp::push, {3000, 3001}, "core");  // label 300: push two
  nh(7, NhlfeOp::swap, {7000, 7001}, "core2");  // label 700: swap, push one
  nh(8, NhlfeOp::swap, {0}, "core");       // label 800: explicit null out
  s.nhlfes[2].backup_nhlfe = 4;
  s.nhlfes[6].ttl_mode = TtlMode::pipe;
  s.nhlfes[6].tc_mode = TcMode::set;
  s.nhlfes[6].tc = 5;
  s.ecmp_groups = {{9, {3, 4}}, {10, {1, 2}}};
  s.ilm = {{100, IlmAction::forward, 3}, {200, IlmAction::forward, 5},
           {300, IlmAction::forward, 6},  {400, IlmAction::ecmp, 9},
           {700, IlmAction::forward, 7},  {800, IlmAction::forward, 8},
           {900, IlmAction::pop_and_lookup, 0}};
  auto pw = [&](uint32_t id, bool cw, bool flow, NextHop transport, uint32_t pw_id) {
    Pseudowire p;
    p.id = id;
    p.pw_id = pw_id;
    p.peer = "PE" + std::to_string(id);
    p.local_label = 6000 + id;
    p.remote_label = 5000 + id;
    p.transport = transport;
    p.control_word = cw;
    p.flow_label = flow;
    s.pseudowires.push_back(p);
    s.ilm.push_back({p.local_label, IlmAction::pw_disposition, id});
  };
  const NextHop lsp{NextHop::Kind::nhlfe, 1}, ecmp{NextHop::Kind::ecmp, 10};
  pw(1, false, false, lsp, 101);  // VPWS raw, whole port ac1
  pw(2, true, false, lsp, 102);   // VPWS raw, VLAN 100 on ac2, CW
  pw(3, true, true, ecmp, 103);   // VPWS tagged, VLAN 200 on ac2, CW + flow label
  pw(4, false, false, lsp, 104);  // VPWS tagged, VLAN 400 on ac2, no CW
  pw(11, false, false, lsp, 500);  // VPLS mesh
  pw(12, false, false, ecmp, 500);  // VPLS mesh
  pw(13, true, false, lsp, 500);  // VPLS spoke, CW
  s.attachment_circuits = {{"site-a", "ac1", 0, AcMode::raw, 1u, std::nullopt},
                           {"site-b", "ac2", 100, AcMode::raw, 2u, std::nullopt},
                           {"site-c", "ac2", 200, AcMode::tagged, 3u, std::nullopt},
                           {"site-d", "ac2", 400, AcMode::tagged, 4u, std::nullopt},
                           {"b1", "ac3", 0, AcMode::raw, std::nullopt, "blue"},
                           {"b2", "ac2", 300, AcMode::raw, std::nullopt, "blue"},
                           {"b3", "ac4", 0, AcMode::raw, std::nullopt, "blue"}};
  BridgeDomain blue;
  blue.name = "blue";
  blue.vsi_id = 500;
  blue.attachment_circuits = {"b1", "b2", "b3"};
  blue.mesh_pseudowires = {11, 12};
  blue.spoke_pseudowires = {13};
  blue.mac_limit = 64;
  blue.static_macs = {{mac(0x77), "b3", std::nullopt}};
  s.bridge_domains.push_back(blue);
  return s;
}

struct Fixture {
  rte_mempool* pool = nullptr;
  std::unique_ptr<Rcu> rcu;
  std::unique_ptr<Router> router;
  std::vector<RingPtr> rx, tx;
  unsigned pool_full = 0;
};
Fixture* g = nullptr;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_frames: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto args = default_eal_args("0");
  args.push_back("--file-prefix=fuzz_frames_" + std::to_string(getpid()));
  if (auto st = eal_init(args); !st.ok()) fail(st.error().message.c_str());
  g = new Fixture;
  auto pool = make_mbuf_pool("fuzz_pool", 2047);
  if (!pool.ok()) fail(pool.error().message.c_str());
  g->pool = *pool;
  g->rcu = std::make_unique<Rcu>(1);
  auto state = fuzz_state();
  g->router = std::make_unique<Router>(state.router, *g->rcu, 1);
  for (auto& p : state.ports) {
    uint16_t i = g->router->add_port(p.name);
    auto r = make_ring(p.name + ".rx", 64);
    auto t = make_ring(p.name + ".tx", 1024);
    if (!r.ok() || !t.ok()) fail("ring");
    g->router->set_port_io(i, 0, std::make_unique<RingPortIo>(r->get(), t->get()));
    g->rx.push_back(std::move(*r));
    g->tx.push_back(std::move(*t));
  }
  if (auto st = g->router->update(state); !st.ok()) fail(st.error().message.c_str());
  g->pool_full = rte_mempool_avail_count(g->pool);
  return 0;
}

namespace {

void drain();

rte_mbuf* make_frame(const uint8_t* p, size_t len, uint8_t sel) {
  rte_mbuf* m = rte_pktmbuf_alloc(g->pool);
  if (!m) fail("pool empty: mbufs leaked");
  size_t first = len;
  if ((sel & 0x80) && len > 1) first = std::min<size_t>(len - 1, 1 + size_t(sel >> 3 & 15) * 4);
  char* d = rte_pktmbuf_append(m, uint16_t(first));
  if (!d && first) fail("append");
  if (first) std::memcpy(d, p, first);
  if (first < len) {
    rte_mbuf* tail = rte_pktmbuf_alloc(g->pool);
    if (!tail) fail("pool empty: mbufs leaked");
    char* e = rte_pktmbuf_append(tail, uint16_t(len - first));
    if (!e) fail("append");
    std::memcpy(e, p + first, len - first);
    if (rte_pktmbuf_chain(m, tail) != 0) fail("chain");
  }
  return m;
}

void drain() {
  void* objs[64];
  for (auto& t : g->tx) {
    unsigned n;
    while ((n = rte_ring_dequeue_burst(t.get(), objs, 64, nullptr)) > 0)
      for (unsigned i = 0; i < n; ++i) rte_pktmbuf_free(static_cast<rte_mbuf*>(objs[i]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxFrame = 1900;  // fits a default mbuf after its headroom
  constexpr size_t kNumPorts = 6;
  rte_mbuf* burst[kBurst];
  uint16_t n = 0, port = 0;
  auto send = [&] {
    if (n) g->router->process(0, port, burst, n);
    n = 0;
    g->router->flush(0);
    drain();  // keeps the pool from running dry over a long input
  };
  size_t pos = 0;
  unsigned frames = 0;
  while (pos < size && frames < 512) {
    const uint8_t sel = data[pos++];
    size_t len = size - pos;
    if (len >= 2) {
      const size_t want = size_t(data[pos]) << 8 | data[pos + 1];
      pos += 2;
      len = std::min(want, size - pos);
    }
    len = std::min(len, kMaxFrame);
    const uint16_t p = uint16_t(sel % kNumPorts);
    if (p != port || n == kBurst) send();
    port = p;
    burst[n++] = make_frame(data + pos, len, sel);
    pos += len;
    ++frames;
  }
  send();
  g->router->flush(0);
  drain();
  const RouterStats st = g->router->stats();
  if (st.rx_packets + st.replicas != st.forwarded + st.total_drops()) fail("counters do not add up");
  if (rte_mempool_avail_count(g->pool) != g->pool_full) fail("mbufs not returned to the pool");
  return 0;
}
