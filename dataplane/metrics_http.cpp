#include "dataplane/metrics_http.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <map>

#include "dataplane/router.hpp"
#include "dataplane/telemetry.hpp"

namespace l2vpn::dp {

namespace {

std::string escape(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

// Families keep their order of first use; each gets its HELP and TYPE once.
class Exposition {
 public:
  void add(const std::string& family, const char* type, const char* help,
           const std::vector<std::pair<const char*, std::string>>& labels, uint64_t value) {
    auto [it, fresh] = index_.try_emplace(family, families_.size());
    if (fresh) families_.push_back({family, fmt::format("# HELP {} {}\n# TYPE {} {}\n", family, help, family, type)});
    std::string& out = families_[it->second].second;
    out += family;
    if (!labels.empty()) {
      out += '{';
      for (size_t i = 0; i < labels.size(); ++i)
        out += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, escape(labels[i].second));
      out += '}';
    }
    out += fmt::format(" {}\n", value);
  }
  std::string text() const {
    std::string o;
    for (auto& f : families_) o += f.second;
    return o;
  }

 private:
  std::map<std::string, size_t> index_;
  std::vector<std::pair<std::string, std::string>> families_;
};

void router_metrics(Exposition& e, const Router& r) {
  auto lock = r.observe_lock();
  const std::string& rn = r.name();
  auto st = r.stats();
  e.add("l2vpn_router_rx_packets_total", "counter", "Frames received from the router's ports", {{"router", rn}},
        st.rx_packets);
  e.add("l2vpn_router_forwarded_total", "counter", "Frames handed to an out port", {{"router", rn}}, st.forwarded);
  e.add("l2vpn_router_dropped_total", "counter", "Frames dropped, all reasons", {{"router", rn}}, st.total_drops());
  e.add("l2vpn_router_lfa_used_total", "counter", "Frames forwarded over a loop-free alternate", {{"router", rn}},
        st.lfa_used);
  e.add("l2vpn_router_replicas_total", "counter", "Copies made by flooding and P2MP replication", {{"router", rn}},
        st.replicas);
  e.add("l2vpn_router_oam_punted_total", "counter", "OAM frames punted to the control thread (docs/oam.md)",
        {{"router", rn}}, st.oam_punted);
  e.add("l2vpn_router_oam_sent_total", "counter", "OAM frames the control thread sent", {{"router", rn}},
        st.oam_sent);
  for (size_t i = 0; i < kDropReasonCount; ++i)
    e.add("l2vpn_drops_total", "counter", "Frames dropped, by reason (docs/dataplane.md)",
          {{"router", rn}, {"reason", std::string(kDropReasonNames[i])}}, st.drops[i]);
  for (size_t i = 0; i < r.port_names().size(); ++i) {
    auto ps = r.port_stats(uint16_t(i));
    std::vector<std::pair<const char*, std::string>> l{{"router", rn}, {"port", r.port_names()[i]}};
    e.add("l2vpn_port_up", "gauge", "1 when the port is up", l, r.port_up(uint16_t(i)));
    e.add("l2vpn_port_rx_packets_total", "counter", "Frames received on the port", l, ps.rx_packets);
    e.add("l2vpn_port_rx_bytes_total", "counter", "Bytes received on the port", l, ps.rx_bytes);
    e.add("l2vpn_port_tx_packets_total", "counter", "Frames sent on the port", l, ps.tx_packets);
    e.add("l2vpn_port_tx_bytes_total", "counter", "Bytes sent on the port", l, ps.tx_bytes);
    if (r.port_kernel(uint16_t(i))) {
      e.add("l2vpn_port_to_kernel_total", "counter",
            "Frames left to the kernel on a port it shares (not MPLS: IPv4, ARP, the IGP, LDP)", l, ps.to_kernel);
      e.add("l2vpn_port_kernel_tx_seen_total", "counter",
            "The kernel's own frames leaving a port it shares, seen by af_packet and ignored", l,
            ps.kernel_tx_seen);
    }
    if (r.port_exception_tap(uint16_t(i)) >= 0)
      e.add("l2vpn_port_punted_total", "counter",
            "Frames that are not MPLS sent from a port the fast path owns into its tap (the kernel's view)", l,
            ps.punted);
    if (r.port_is_exception_tap(uint16_t(i)))
      e.add("l2vpn_port_ftn_labelled_total", "counter",
            "IPv4 frames the kernel wrote into an exception tap that left labelled by the FTN", l, ps.ftn_labelled);
  }
  const auto& s = r.state();
  for (auto& ilm : s.ilm) {
    auto ls = r.label_stats(ilm.label);
    std::vector<std::pair<const char*, std::string>> l{
        {"router", rn}, {"label", std::to_string(ilm.label)}, {"action", std::string(to_string(ilm.action))}};
    e.add("l2vpn_label_rx_packets_total", "counter", "Frames whose top label hit this ILM entry", l, ls.rx_packets);
    e.add("l2vpn_label_rx_bytes_total", "counter", "Bytes of frames whose top label hit this ILM entry", l,
          ls.rx_bytes);
  }
  for (auto& p : s.pseudowires) {
    auto ls = r.label_stats(p.local_label);
    std::vector<std::pair<const char*, std::string>> l{
        {"router", rn}, {"pw", std::to_string(p.id)}, {"pw_id", std::to_string(p.pw_id)}, {"peer", p.peer}};
    e.add("l2vpn_pseudowire_up", "gauge", "1 when the pseudowire is up", l, p.up);
    e.add("l2vpn_pseudowire_rx_packets_total", "counter", "Frames disposed from the pseudowire", l, ls.rx_packets);
    e.add("l2vpn_pseudowire_rx_bytes_total", "counter", "Bytes disposed from the pseudowire", l, ls.rx_bytes);
    e.add("l2vpn_pseudowire_tx_packets_total", "counter", "Frames imposed onto the pseudowire", l, ls.tx_packets);
    e.add("l2vpn_pseudowire_tx_bytes_total", "counter", "Bytes imposed onto the pseudowire", l, ls.tx_bytes);
  }
  for (auto& bd : s.bridge_domains) {
    auto bs = r.bd_stats(bd.name);
    const auto* mt = r.mac_table(bd.name);
    std::vector<std::pair<const char*, std::string>> l{{"router", rn}, {"bridge_domain", bd.name}};
    e.add("l2vpn_bd_macs", "gauge", "MACs in the bridge domain's table, learned", l, mt ? mt->learned() : 0);
    e.add("l2vpn_bd_static_macs", "gauge", "Static MACs in the bridge domain's table", l, mt ? mt->statics() : 0);
#define L2VPN_X(name, desc) e.add("l2vpn_bd_" #name "_total", "counter", desc, l, bs.name);
    L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
  }
}

}  // namespace

std::string prometheus_text(const std::vector<const Router*>& routers) {
  Exposition e;
  for (auto* r : routers) router_metrics(e, *r);
  return e.text();
}

std::string prometheus_text_registered() {
  Exposition e;
  for_each_registered_router([&](const Router& r) { router_metrics(e, r); });
  return e.text();
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address, uint16_t port,
                                                            std::function<std::string()> text) {
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  m->server_ = std::make_unique<httplib::Server>();
  if (!text) text = [] { return prometheus_text_registered(); };
  m->server_->Get("/metrics", [text](const httplib::Request&, httplib::Response& res) {
    res.set_content(text(), "text/plain; version=0.0.4; charset=utf-8");
  });
  m->server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("l2vpn metrics: GET /metrics (Prometheus text format)\n", "text/plain");
  });
  int bound = port ? (m->server_->bind_to_port(address, port) ? port : -1) : m->server_->bind_to_any_port(address);
  if (bound <= 0)
    return Error{fmt::format("metrics: cannot listen on {}:{} (in use, or not an address of this host)", address,
                             port)};
  m->address_ = address;
  m->port_ = uint16_t(bound);
  httplib::Server* s = m->server_.get();
  m->thread_ = std::thread([s] { s->listen_after_bind(); });
  return m;
}

Result<std::unique_ptr<MetricsServer>> start_metrics(const std::string& address, uint16_t port,
                                                     std::function<std::string()> text) {
  if (!port) return std::unique_ptr<MetricsServer>();
  auto m = MetricsServer::start(address, port, std::move(text));
  if (m) spdlog::info("metrics: http://{}:{}/metrics", address, (*m)->port());
  return m;
}

MetricsServer::~MetricsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace l2vpn::dp
