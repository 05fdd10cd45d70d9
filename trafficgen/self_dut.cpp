#include "trafficgen/self_dut.hpp"

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <algorithm>

namespace l2vpn::tg {

namespace {

constexpr uint32_t kJumboMtu = 9600;  // 9000-byte frames and their labels fit
MacAddr mac(uint8_t first, uint8_t last) { return {first, 0, 0, 0, 0, last}; }

}  // namespace

Result<SelfScenario> make_self_scenario(const std::string& mode, const SelfOptions& o) {
  SelfScenario s;
  s.mode = mode;
  auto& st = s.state;
  FrameSpec& f = s.spec;
  f.flows = o.flows;
  f.dst_mac = mac(0x02, 0x10);
  f.src_mac = mac(0x06, 0xa0);
  if (mode == "macswap") {
    s.router = false;
    s.what = "no router: each worker swaps source and destination MAC and sends (testpmd macswap's work)";
    f.kind = FrameKind::ethernet;
    return s;
  }
  if (mode == "swap") {
    const unsigned labels = std::min(o.flows, 1024u);
    st.router = "P";
    st.ports = {{"in", "", mac(0x02, 0x10), kJumboMtu}, {"out", "", mac(0x02, 0x11), kJumboMtu}};
    for (unsigned i = 0; i < labels; ++i) {
      Nhlfe n;
      n.id = i + 1;
      n.op = NhlfeOp::swap;
      n.labels = {50000 + i};
      n.out_port = "out";
      n.next_hop_mac = mac(0x06, uint8_t(i));
      st.nhlfes.push_back(n);
      st.ilm.push_back({1000 + i, IlmAction::forward, i + 1});
    }
    s.in_port = "in";
    s.out_port = "out";
    f.kind = FrameKind::mpls;
    f.labels = {1000};
    f.top_label_span = labels;
    s.what = fmt::format("P router: {} ILM entries, label 1000+i swapped to 50000+i (one NHLFE each); "
                         "flows spread over the labels; frames: MAC header, one label, IPv4, stamp",
                         labels);
    return s;
  }
  if (mode == "imposition" || mode == "disposition") {
    st.router = "PE";
    st.ports = {{"ac", "", mac(0x02, 0x20), kJumboMtu}, {"core", "", mac(0x02, 0x10), kJumboMtu}};
    Nhlfe t;
    t.id = 1;
    t.op = NhlfeOp::push;
    t.labels = {2000};
    t.out_port = "core";
    t.next_hop_mac = mac(0x06, 0xa0);
    st.nhlfes.push_back(t);
    Pseudowire pw;
    pw.id = 1;
    pw.pw_id = 100;
    pw.peer = "PE2";
    pw.local_label = 6001;
    pw.remote_label = 5001;
    pw.transport = NextHop{NextHop::Kind::nhlfe, 1};
    pw.control_word = o.control_word;
    pw.flow_label = o.flow_label;
    pw.mtu = kJumboMtu;
    st.pseudowires.push_back(pw);
    st.ilm.push_back({pw.local_label, IlmAction::pw_disposition, pw.id});
    st.attachment_circuits.push_back({"site", "ac", 0, AcMode::raw, 1u, std::nullopt});
    const std::string extras = fmt::format("{}{}", o.control_word ? ", control word" : "",
                                           o.flow_label ? ", flow label" : "");
    if (mode == "imposition") {
      s.in_port = "ac";
      s.out_port = "core";
      f.kind = FrameKind::ethernet;
      s.what = fmt::format("PE: port-based raw AC into a PW: push PW label 5001 + transport label "
                           "2000 + MAC header{}; customer frames Ethernet/IPv4/stamp", extras);
    } else {
      s.in_port = "core";
      s.out_port = "ac";
      f.kind = FrameKind::pseudowire;
      f.labels = {6001};
      f.control_word = o.control_word;
      f.flow_label = o.flow_label;
      s.what = fmt::format("PE: PW label 6001 alone (PHP'd transport){} disposed to a port-based raw "
                           "AC; sizes count the customer frame (the labelled frame is {} bytes longer)",
                           extras, encap_overhead(f));
    }
    return s;
  }
  if (mode == "vpls") {
    st.router = "PE";
    st.ports = {{"ac0", "", mac(0x02, 0x20), kJumboMtu}, {"ac1", "", mac(0x02, 0x21), kJumboMtu}};
    st.attachment_circuits = {{"s0", "ac0", 0, AcMode::raw, std::nullopt, "bd"},
                              {"s1", "ac1", 0, AcMode::raw, std::nullopt, "bd"}};
    BridgeDomain bd;
    bd.name = "bd";
    bd.attachment_circuits = {"s0", "s1"};
    bd.mac_limit = std::max(4096u, o.flows * 2);
    StaticMac sm;
    sm.mac = f.inner_dst_mac;
    sm.attachment_circuit = "s1";
    bd.static_macs.push_back(sm);
    st.bridge_domains.push_back(bd);
    s.in_port = "ac0";
    s.out_port = "ac1";
    f.kind = FrameKind::ethernet;
    s.what = fmt::format("PE: VPLS known unicast, bridge domain of two raw ACs; {} source MACs "
                         "learned on ac0, destination {} a static MAC behind ac1",
                         o.flows, to_string(sm.mac));
    return s;
  }
  return Error{fmt::format("mode '{}': not one of macswap, swap, imposition, disposition, vpls", mode)};
}

SelfDut::SelfDut(SelfScenario sc, uint16_t dev_in, uint16_t dev_out, unsigned max_workers)
    : sc_(std::move(sc)), dev_in_(dev_in), dev_out_(dev_out), max_workers_(max_workers),
      rcu_(max_workers) {}

SelfDut::~SelfDut() { stop(); }

Status SelfDut::program() {
  if (!sc_.router) return Status::success();
  router_ = std::make_unique<dp::Router>(sc_.state.router, rcu_, max_workers_);
  if (auto st = router_->update(sc_.state); !st) return st;
  in_idx_ = uint16_t(router_->port_index(sc_.in_port));
  const uint16_t out = uint16_t(router_->port_index(sc_.out_port));
  for (unsigned w = 0; w < max_workers_; ++w)
    router_->set_port_io(out, w, std::make_unique<dp::EthdevPortIo>(dev_out_, uint16_t(w)));
  return Status::success();
}

int SelfDut::worker_main(void* p) {
  auto* a = static_cast<WorkerArg*>(p);
  SelfDut& d = *a->dut;
  const uint16_t q = uint16_t(a->worker);
  rte_mbuf* pkts[dp::kBurst];
  const uint64_t stall = rte_get_tsc_hz() / 1000;
  uint64_t last = rte_rdtsc();
  auto check_stall = [&] {
    const uint64_t now = rte_rdtsc();
    if (now - last > stall) a->stalls.store(a->stalls.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    last = now;
  };
  if (d.router_) {
    d.rcu_.register_worker(a->worker);
    while (!d.stop_.load(std::memory_order_relaxed)) {
      check_stall();
      const uint16_t n = rte_eth_rx_burst(d.dev_in_, q, pkts, dp::kBurst);
      if (n) {
        d.router_->process(a->worker, d.in_idx_, pkts, n);
        d.router_->flush(a->worker);
      }
      d.rcu_.quiescent(a->worker);
    }
    d.rcu_.unregister_worker(a->worker);
    return 0;
  }
  uint64_t fwd = 0;
  while (!d.stop_.load(std::memory_order_relaxed)) {
    check_stall();
    const uint16_t n = rte_eth_rx_burst(d.dev_in_, q, pkts, dp::kBurst);
    if (!n) continue;
    for (uint16_t i = 0; i < n; ++i) {
      auto* e = rte_pktmbuf_mtod(pkts[i], rte_ether_hdr*);
      rte_ether_addr t = e->dst_addr;
      e->dst_addr = e->src_addr;
      e->src_addr = t;
    }
    const uint16_t k = rte_eth_tx_burst(d.dev_out_, q, pkts, n);
    if (k < n) rte_pktmbuf_free_bulk(pkts + k, n - k);
    fwd += k;
  }
  a->forwarded += fwd;
  return 0;
}

Status SelfDut::start(const std::vector<unsigned>& lcores) {
  if (!running_.empty()) return Error{"self DUT already running"};
  if (lcores.empty() || lcores.size() > max_workers_)
    return Error{fmt::format("{} workers asked, 1..{} possible", lcores.size(), max_workers_)};
  stop_.store(false);
  args_.clear();
  for (unsigned w = 0; w < lcores.size(); ++w) {
    args_.push_back(std::make_unique<WorkerArg>());
    args_.back()->dut = this;
    args_.back()->worker = w;
    if (int rc = rte_eal_remote_launch(worker_main, args_.back().get(), lcores[w]); rc != 0) {
      stop();
      return Error{fmt::format("lcore {}: cannot launch worker {} (rc {}): is it in --lcores and "
                               "not the main lcore?", lcores[w], w, rc)};
    }
    running_.push_back(lcores[w]);
  }
  return Status::success();
}

void SelfDut::stop() {
  stop_.store(true);
  for (auto l : running_) rte_eal_wait_lcore(l);
  running_.clear();
  if (router_) router_->reclaim();
}

dp::RouterStats SelfDut::router_stats() const { return router_ ? router_->stats() : dp::RouterStats{}; }

uint64_t SelfDut::stalls() const {
  uint64_t s = 0;
  for (auto& a : args_) s += a->stalls.load(std::memory_order_relaxed);
  return s;
}

uint64_t SelfDut::macswap_forwarded() const {
  uint64_t s = 0;
  for (auto& a : args_) s += a->forwarded;
  return s;
}

}  // namespace l2vpn::tg
