#include "node/fastpath.hpp"

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mempool.h>

#include <atomic>

#include "dataplane/launch.hpp"
#include "dataplane/metrics_http.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"
#include "dataplane/router_show.hpp"
#include "dataplane/telemetry.hpp"

namespace l2vpn::node {

namespace {
constexpr unsigned kWorkerLcore = 1;  // lcore 0 is the node's control loop

const KernelLink* link_named(const KernelView& k, const std::string& name) {
  for (const auto& [idx, l] : k.links)
    if (l.name == name) return &l;
  return nullptr;
}
}  // namespace

Result<std::vector<PortPlan>> plan_ports(const FastPathOptions& o, const KernelView& k) {
  for (const auto& [port, devargs] : o.bind)
    if (std::find(o.ports.begin(), o.ports.end(), port) == o.ports.end()) {
      std::string have;
      for (const auto& p : o.ports) have += (have.empty() ? "" : ", ") + p;
      return Error{fmt::format("--bind {}={}: router '{}' has no port '{}' (its ports: {})", port, devargs,
                               o.router, port, have.empty() ? "none" : have)};
    }
  std::vector<PortPlan> plan;
  unsigned n = 0;
  for (const auto& port : o.ports) {
    if (auto b = o.bind.find(port); b != o.bind.end()) {
      plan.push_back({port, b->second, b->second.rfind("net_af_packet", 0) == 0});
      continue;
    }
    if (!link_named(k, port))
      return Error{fmt::format("router '{}': port '{}' has no kernel interface '{}' in this network "
                               "namespace (create it, or --bind {}=DEVARGS)",
                               o.router, port, port, port)};
    plan.push_back({port, fmt::format("net_af_packet_n{},iface={}", n++, port), true});
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

  ~Impl() {
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
  if (plan->size() > RTE_MAX_ETHPORTS) {
    if (usage) *usage = true;
    return Error{fmt::format("router '{}': {} ports, DPDK allows {} per process", o.router, plan->size(),
                             RTE_MAX_ETHPORTS)};
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
    if (!p.kernel) continue;
    const KernelLink* l = link_named(k, p.port);
    const int idx = impl_->router->port_index(p.port);
    if (idx >= 0) impl_->router->set_port_up(uint16_t(idx), l && l->up);
  }
  impl_->router->reclaim();
}

std::string FastPath::answer(const std::string& request) const {
  if (request == "show dataplane") {
    std::string out = fmt::format("fast path of {} (DPDK file prefix {}):\n", impl_->opt.router, impl_->prefix);
    for (const auto& p : impl_->plan)
      out += fmt::format("  port {:<12} {}{}\n", p.port, p.devargs, p.kernel ? " (beside the kernel)" : "");
    return out + dp::format_counters(*impl_->router);
  }
  if (request == "show dataplane json") return dp::counters_json(*impl_->router) + "\n";
  if (request == "metrics") return dp::prometheus_text({impl_->router.get()});
  return "";
}

const std::string& FastPath::file_prefix() const { return impl_->prefix; }

}  // namespace l2vpn::node
