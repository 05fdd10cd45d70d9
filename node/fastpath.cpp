#include "node/fastpath.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <net/if.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "dataplane/launch.hpp"
#include "dataplane/metrics_http.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"
#include "dataplane/router_show.hpp"
#include "dataplane/telemetry.hpp"

namespace l2vpn::node {

namespace {
constexpr unsigned kWorkerLcore = 1;  // lcore 0 is the node's control loop
// af_packet's default ring (512 frames) overflows in the kernel under a TCP
// stream while the worker sleeps or forwards (seen only as TCP
// retransmits); `l2vpn run` uses the same depth.
constexpr const char* kFrames = ",framecnt=4096";

const KernelLink* link_named(const KernelView& k, const std::string& name) {
  for (const auto& [idx, l] : k.links)
    if (l.name == name) return &l;
  return nullptr;
}
// The value of a devargs' "iface=" key, "" when it has none.
std::string iface_of(const std::string& devargs) {
  size_t at = 0;
  while ((at = devargs.find(',', at)) != std::string::npos) {
    ++at;
    if (devargs.compare(at, 6, "iface=") == 0) return devargs.substr(at + 6, devargs.find(',', at) - at - 6);
  }
  return "";
}
}  // namespace

Result<std::vector<PortPlan>> plan_ports(const FastPathOptions& o, const KernelView& k) {
  for (const auto& [port, site] : o.ac_ports)
    if (std::find(o.ports.begin(), o.ports.end(), port) != o.ports.end())
      return Error{fmt::format("router '{}': site '{}' uses core port '{}' as its attachment circuit (an AC "
                               "needs a port of its own)",
                               o.router, site, port)};
  for (const auto& [port, devargs] : o.bind)
    if (std::find(o.ports.begin(), o.ports.end(), port) == o.ports.end() && !o.ac_ports.count(port)) {
      std::string have;
      for (const auto& p : o.ports) have += (have.empty() ? "" : ", ") + p;
      for (const auto& [p, site] : o.ac_ports) have += (have.empty() ? "" : ", ") + p;
      return Error{fmt::format("--bind {}={}: router '{}' has no port '{}' (its ports: {})", port, devargs,
                               o.router, port, have.empty() ? "none" : have)};
    }
  if (o.exception != "tap" && o.exception != "none")
    return Error{fmt::format("--exception {}: expected tap or none", o.exception)};
  std::vector<PortPlan> plan;
  unsigned n = 0, taps = 0;
  for (const auto& port : o.ports) {
    if (auto b = o.bind.find(port); b != o.bind.end()) {
      const std::string& d = b->second;
      const bool beside = d.rfind("net_af_packet", 0) == 0 && link_named(k, port) && iface_of(d) == port;
      PortPlan p{port, d, beside, ""};
      if (!beside && o.exception == "tap") {
        if (link_named(k, port))
          return Error{fmt::format("--bind {}={}: the port's exception tap is the kernel interface '{}', "
                                   "which exists already (rename it, e.g. ip link set {} name {}-phy, and "
                                   "bind that; or --exception none)",
                                   port, d, port, port, port)};
        if (port.size() >= IFNAMSIZ)
          return Error{fmt::format("--bind {}={}: '{}' is too long for a kernel interface name (at most {})",
                                   port, d, port, IFNAMSIZ - 1)};
        p.tap = fmt::format("net_tap_x{},iface={}", taps++, port);
      }
      plan.push_back(std::move(p));
      continue;
    }
    if (!link_named(k, port))
      return Error{fmt::format("router '{}': port '{}' has no kernel interface '{}' in this network "
                               "namespace (create it, or --bind {}=DEVARGS)",
                               o.router, port, port, port)};
    plan.push_back({port, fmt::format("net_af_packet_n{},iface={}{}", n++, port, kFrames), true, ""});
  }
  // Attachment circuits: L2 only, every frame the fast path's (never beside
  // the kernel, no exception tap).
  for (const auto& [port, site] : o.ac_ports) {
    if (auto b = o.bind.find(port); b != o.bind.end()) {
      plan.push_back({port, b->second, false, ""});
      continue;
    }
    if (!link_named(k, port))
      return Error{fmt::format("router '{}': attachment circuit port '{}' (site '{}') has no kernel interface "
                               "'{}' in this network namespace (create it, or --bind {}=DEVARGS)",
                               o.router, port, site, port, port)};
    plan.push_back({port, fmt::format("net_af_packet_n{},iface={}{}", n++, port, kFrames), false, ""});
  }
  return plan;
}

struct FastPath::Impl {
  FastPathOptions opt;
  std::vector<PortPlan> plan;
  std::string prefix;
  rte_mempool* pool = nullptr;
  std::unique_ptr<dp::Rcu> rcu;
  std::unique_ptr<dp::Router> router;
  std::unique_ptr<dp::TelemetryRegistration> telemetry;
  std::vector<uint16_t> eth_ports;
  std::atomic<bool> stop{false};
  dp::PollLoop loop;
  bool launched = false;
  // Exception paths: the device's link state mirrored onto its tap, polled
  // (a NIC's link changes raise no rtnetlink event).
  struct Mirror {
    uint16_t port_index, phy_id, tap_id;
    bool up;
    // af_packet on a kernel interface: its ethdev link says nothing of the
    // carrier; the kernel's view of that interface does (kernel_changed).
    std::string kernel_iface;
    bool kernel_up = true;
  };
  std::vector<Mirror> mirrors;
  std::thread link_thread;
  std::mutex link_mu;
  std::condition_variable link_cv;
  bool link_stop = false;

  void follow_links() {
    std::unique_lock<std::mutex> lock(link_mu);
    while (!link_cv.wait_for(lock, std::chrono::milliseconds(100), [this] { return link_stop; })) {
      for (auto& m : mirrors) {
        rte_eth_link link{};
        if (rte_eth_link_get_nowait(m.phy_id, &link) != 0) continue;
        const bool up = link.link_status == RTE_ETH_LINK_UP && m.kernel_up;
        if (up == m.up) continue;
        m.up = up;
        router->set_port_up(m.port_index, up);
        if (up) rte_eth_dev_set_link_up(m.tap_id);
        else rte_eth_dev_set_link_down(m.tap_id);
      }
    }
  }

  ~Impl() {
    if (link_thread.joinable()) {
      {
        std::lock_guard<std::mutex> lock(link_mu);
        link_stop = true;
      }
      link_cv.notify_all();
      link_thread.join();
    }
    if (launched) {
      stop = true;
      rte_eal_wait_lcore(kWorkerLcore);
    }
    telemetry.reset();
    if (router) router->reclaim_all();
    for (auto id : eth_ports) {
      rte_eth_dev_stop(id);
      rte_eth_dev_close(id);
    }
    router.reset();
    rcu.reset();
    if (pool) rte_mempool_free(pool);
  }
};

FastPath::FastPath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FastPath::~FastPath() = default;

Result<std::unique_ptr<FastPath>> FastPath::start(const FastPathOptions& o, bool* usage) {
  if (usage) *usage = false;
  KernelView k;
  try {
    k = read_kernel();
  } catch (const std::exception& e) {
    return Error{fmt::format("router '{}': reading the kernel's interfaces: {}", o.router, e.what())};
  }
  auto plan = plan_ports(o, k);
  if (!plan) {
    if (usage) *usage = true;
    return plan.error();
  }
  size_t devices = plan->size();  // each exception tap is an ethdev too
  for (const auto& p : *plan) devices += !p.tap.empty();
  if (devices > RTE_MAX_ETHPORTS) {
    if (usage) *usage = true;
    return Error{fmt::format("router '{}': {} ports ({} devices with their exception taps), DPDK allows {} "
                             "per process",
                             o.router, plan->size(), devices, RTE_MAX_ETHPORTS)};
  }
  dp::EalRequest req;
  req.what = "node-" + o.router;
  req.file_prefix = o.file_prefix;
  req.extra = o.eal_extra;
  req.memory = o.memory;
  req.workers = 2;  // lcore 0: this control loop; lcore 1: the poll loop
  req.float_lcores = true;
  req.memory_mb = 256;
  auto eal = dp::start_eal(req);
  if (!eal) return eal.error();
  auto impl = std::make_unique<Impl>();
  impl->opt = o;
  impl->plan = *plan;
  impl->prefix = eal->prefix;
  auto pool = dp::make_mbuf_pool("node_pool", 8191);
  if (!pool) return pool.error();
  impl->pool = *pool;
  impl->rcu = std::make_unique<dp::Rcu>(4);
  impl->router = std::make_unique<dp::Router>(o.router, *impl->rcu, 1);
  impl->router->set_php_to_ip(true);  // LDP IPv4 FECs: the penultimate hop pops onto IP
  for (const auto& p : impl->plan) {
    auto id = dp::attach_ethdev_port(*impl->router, p.port, p.devargs, impl->pool);
    if (!id) return id.error();
    impl->eth_ports.push_back(*id);
    const uint16_t idx = uint16_t(impl->router->port_index(p.port));
    if (p.kernel)
      if (const KernelLink* l = link_named(k, p.port)) impl->router->set_port_kernel(idx, l->mac);
    if (p.tap.empty()) continue;
    // The exception tap: the kernel's view of the port, with its MAC (the
    // kernel's frames then carry it) and its MTU (the IGP checks MTUs).
    rte_ether_addr ea{};
    rte_eth_macaddr_get(*id, &ea);
    MacAddr mac;
    std::copy(std::begin(ea.addr_bytes), std::end(ea.addr_bytes), mac.begin());
    auto tap = dp::attach_ethdev_port(*impl->router, p.port + ".tap", p.tap + ",mac=" + to_string(mac), impl->pool);
    if (!tap) return Error{fmt::format("port '{}': its exception tap: {}", p.port, tap.error().message)};
    impl->eth_ports.push_back(*tap);
    uint16_t mtu = 1500;
    rte_eth_dev_get_mtu(*id, &mtu);
    if (mtu > 1500) mtu = 1500;  // the neighbors' IGP expects what the topology's ports have
    if (int rc = rte_eth_dev_set_mtu(*tap, mtu); rc != 0)
      std::fprintf(stderr, "%s: port '%s': cannot set its tap's MTU to %u (%s)\n", o.router.c_str(),
                   p.port.c_str(), mtu, rte_strerror(-rc));
    const uint16_t tap_idx = uint16_t(impl->router->port_index(p.port + ".tap"));
    impl->router->set_port_exception(idx, tap_idx, mac);
    impl->mirrors.push_back({idx, *id, *tap, true, p.devargs.rfind("net_af_packet", 0) == 0 ? iface_of(p.devargs) : "", true});
  }
  // Nothing labelled is known yet: every label misses until LDP fills the ILM.
  ForwardingState empty;
  empty.router = o.router;
  if (auto st = impl->router->update(empty); !st) return st.error();
  auto tel = dp::telemetry_register({impl->router.get()});
  if (tel) impl->telemetry = std::move(*tel);
  impl->loop = dp::PollLoop{impl->router.get(), impl->rcu.get(), 0, &impl->stop, o.idle_sleep_us};
  if (int rc = rte_eal_remote_launch(dp::poll_loop, &impl->loop, kWorkerLcore); rc != 0)
    return Error{fmt::format("router '{}': cannot launch the worker on lcore {} (rc {})", o.router,
                             kWorkerLcore, rc)};
  impl->launched = true;
  if (!impl->mirrors.empty()) impl->link_thread = std::thread([i = impl.get()] { i->follow_links(); });
  auto fp = std::unique_ptr<FastPath>(new FastPath(std::move(impl)));
  fp->kernel_changed(k);
  return fp;
}

void FastPath::publish(const ForwardingState& state) {
  if (auto st = impl_->router->update(state); !st)
    std::fprintf(stderr, "%s: fast path kept its tables: %s\n", impl_->opt.router.c_str(),
                 st.error().message.c_str());
}

void FastPath::kernel_changed(const KernelView& k) {
  // A port whose interface is down (or gone) sends nothing: frames for it
  // count as port_down until the IGP has moved the route.
  for (const auto& p : impl_->plan) {
    const KernelLink* l = link_named(k, p.port);
    // An AC on af_packet follows its interface too; a bound one its device.
    if (!p.kernel && !(impl_->opt.ac_ports.count(p.port) && !impl_->opt.bind.count(p.port))) continue;
    const int idx = impl_->router->port_index(p.port);
    if (idx >= 0) impl_->router->set_port_up(uint16_t(idx), l && l->up);
  }
  std::lock_guard<std::mutex> lock(impl_->link_mu);  // the link thread applies it within 100 ms
  for (auto& m : impl_->mirrors)
    if (!m.kernel_iface.empty()) {
      const KernelLink* l = link_named(k, m.kernel_iface);
      m.kernel_up = l && l->up;
    }
  impl_->router->reclaim();
}

std::string FastPath::answer(const std::string& request) const {
  if (request == "show dataplane") {
    std::string out = fmt::format("fast path of {} (DPDK file prefix {}):\n", impl_->opt.router, impl_->prefix);
    for (const auto& p : impl_->plan)
      out += fmt::format("  port {:<12} {}{}\n", p.port, p.devargs,
                         impl_->opt.ac_ports.count(p.port)
                             ? fmt::format(" (attachment circuit of site {})", impl_->opt.ac_ports.at(p.port))
                         : p.kernel      ? " (beside the kernel)"
                         : p.tap.empty() ? " (DPDK only)"
                                         : fmt::format(" (exception tap {})", p.port));
    return out + dp::format_counters(*impl_->router);
  }
  if (request == "show dataplane json") return dp::counters_json(*impl_->router) + "\n";
  if (request == "show dataplane macs" || request == "show dataplane macs json") return mac_tables(request.size() > 19);
  if (request == "metrics") return dp::prometheus_text({impl_->router.get()});
  return "";
}

unsigned FastPath::withdraw_macs(const std::string& bd, uint32_t from, const std::vector<MacAddr>& macs) {
  auto lock = impl_->router->observe_lock();
  unsigned n = impl_->router->withdraw_macs(bd, from, macs);
  impl_->router->reclaim();
  return n;
}

void FastPath::age_macs() {
  auto lock = impl_->router->observe_lock();
  impl_->router->age_macs();
  impl_->router->reclaim();
}

std::vector<MacAddr> FastPath::macs_on_ac(const std::string& bd, const std::string& ac) const {
  auto lock = impl_->router->observe_lock();
  std::vector<MacAddr> out;
  const dp::MacTable* t = impl_->router->mac_table(bd);
  if (!t) return out;
  for (const auto& e : t->snapshot()) {
    if (e.is_static) continue;
    MacAddr mac;
    for (int i = 0; i < 6; ++i) mac[size_t(i)] = uint8_t(e.key >> (8 * i));
    if (impl_->router->mac_owner(bd, mac) == "ac:" + ac) out.push_back(mac);
  }
  return out;
}

std::string FastPath::mac_tables(bool json) const {
  auto lock = impl_->router->observe_lock();
  const dp::Router& r = *impl_->router;
  const ForwardingState& s = r.state();
  nlohmann::json j = nlohmann::json::object();
  std::string out;
  for (const auto& bd : s.bridge_domains) {
    const dp::MacTable* t = r.mac_table(bd.name);
    auto snap = t ? t->snapshot() : std::vector<dp::MacTable::Snapshot>{};
    std::sort(snap.begin(), snap.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    out += fmt::format("bridge domain {} (vsi {}): {} MACs\n", bd.name, bd.vsi_id, snap.size());
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : snap) {
      MacAddr mac;
      for (int i = 0; i < 6; ++i) mac[size_t(i)] = uint8_t(e.key >> (8 * i));
      std::string member = r.mac_owner(bd.name, mac).value_or("?"), peer;
      if (member.rfind("pw:", 0) == 0)
        if (const Pseudowire* pw = s.find_pseudowire(uint32_t(std::stoul(member.substr(3))))) peer = pw->peer;
      out += fmt::format("  {}  {}{}{}{}\n", to_string(mac), member, peer.empty() ? "" : " peer ", peer,
                         e.is_static ? " static" : "");
      rows.push_back({{"mac", to_string(mac)}, {"member", member}, {"peer", peer}, {"static", e.is_static}});
    }
    j[bd.name] = std::move(rows);
  }
  return json ? j.dump(2) + "\n" : out;
}

const std::string& FastPath::file_prefix() const { return impl_->prefix; }

Status FastPath::enable_oam(const dp::OamPuntConfig& config) { return impl_->router->enable_oam_punt(config); }

std::vector<FastPath::Punted> FastPath::drain_oam(unsigned max) {
  std::vector<Punted> out;
  rte_mbuf* frames[32];
  dp::OamPuntReason reasons[32];
  while (out.size() < max) {
    const unsigned n = impl_->router->drain_oam(frames, reasons, std::min(32u, unsigned(max - out.size())));
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      Punted p;
      p.reason = reasons[i];
      p.frame.resize(rte_pktmbuf_pkt_len(frames[i]));
      const void* d = rte_pktmbuf_read(frames[i], 0, uint32_t(p.frame.size()), p.frame.data());
      if (d && d != p.frame.data()) std::memcpy(p.frame.data(), d, p.frame.size());
      rte_pktmbuf_free(frames[i]);
      if (d) out.push_back(std::move(p));
    }
  }
  return out;
}

bool FastPath::send_oam(const std::string& port, std::span<const uint8_t> frame) {
  const int idx = impl_->router->port_index(port);
  if (idx < 0 || frame.size() > UINT16_MAX) return false;
  rte_mbuf* m = rte_pktmbuf_alloc(impl_->pool);
  if (!m) return false;
  auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(frame.size())));
  if (!d) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::memcpy(d, frame.data(), frame.size());
  return impl_->router->send_oam(uint16_t(idx), m);
}

bool FastPath::port_up(const std::string& port) const {
  const int idx = impl_->router->port_index(port);
  return idx >= 0 && impl_->router->port_up(uint16_t(idx));
}

FastPath::OamCounters FastPath::oam_counters() const {
  const dp::RouterStats st = impl_->router->stats();
  return {st.oam_punted, st.oam_sent, st.drop(dp::DropReason::oam_rate_limited),
          st.drop(dp::DropReason::oam_queue_full)};
}

}  // namespace l2vpn::node
